package sc

// waitKind is what a parked task waits on: it names the wait in snapshots
// (TreeNode.Wait) and says how a cancellation or interrupt delivered to the
// parked task is handled.
type waitKind uint8

const (
	waitNone waitKind = iota // not parked
	waitSleep
	waitForever
	waitEvent
	waitLock
	waitSemaphore
	waitChanSend
	waitChanReceive
	waitInbox
	waitSubscription
	waitNursery
	waitGoroutine
	waitIdle
)

var waitNames = [...]string{
	waitNone:         "",
	waitSleep:        "sleep",
	waitForever:      "sleep forever",
	waitEvent:        "event",
	waitLock:         "lock",
	waitSemaphore:    "semaphore",
	waitChanSend:     "channel send",
	waitChanReceive:  "channel receive",
	waitInbox:        "inbox receive",
	waitSubscription: "subscription receive",
	waitNursery:      "nursery",
	waitGoroutine:    "goroutine",
	waitIdle:         "all tasks blocked",
}

func (k waitKind) String() string { return waitNames[k] }

// abort handles err (a cancellation or an interrupt) delivered to t while
// it is parked in a wait of this kind.
func (k waitKind) abort(t *Task, err error) abortResult {
	switch k {
	case waitSleep:
		return abortSleep(t, err)
	case waitForever:
		return abortDone // SleepForever holds nothing
	case waitEvent, waitLock, waitSemaphore, waitInbox, waitSubscription:
		return abortWaitList(t, err)
	case waitChanSend, waitChanReceive:
		return abortChan(t, err)
	case waitNursery:
		return abortNurseryWait(t, err)
	case waitGoroutine:
		return abortOffload(t, err)
	case waitIdle:
		return abortIdle(t, err)
	}
	return abortFail
}
