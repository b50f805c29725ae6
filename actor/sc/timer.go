package sc

import "github.com/hitchrt/hitch/internal/timerheap"

// expirer is what an entry of the runner's deadline heap wakes when it is
// due: a sleeping task, or a cancel scope whose deadline passed.
type expirer interface{ expire() }

// timer is one entry of the runner's deadline heap. A cancel scope embeds
// its own (CancelScope.tm); a sleeping task borrows one from the runner's
// free list for the length of the sleep (Task.sleep), so that tasks that
// are not sleeping do not carry one. Either way, sleeping and setting
// deadlines allocate nothing in steady state.
type timer = timerheap.Entry[expirer]

// maxFreeTimers bounds the runner's free list of sleep timers; beyond it,
// timers are left to the garbage collector.
const maxFreeTimers = 1024

// sleepTimer lends t a timer for one sleep.
func (r *Runner) sleepTimer(t *Task) *timer {
	var tm *timer
	if n := len(r.freeTimers); n > 0 {
		tm = r.freeTimers[n-1]
		r.freeTimers[n-1] = nil
		r.freeTimers = r.freeTimers[:n-1]
	} else {
		tm = new(timer)
	}
	tm.Value = t
	return tm
}

// endSleep takes back the timer t borrowed; it is out of the heap.
func (t *Task) endSleep() {
	tm := t.sleep
	t.sleep = nil
	tm.Value = nil
	if r := t.r; len(r.freeTimers) < maxFreeTimers {
		r.freeTimers = append(r.freeTimers, tm)
	}
}

// expire wakes a task whose sleep is over.
func (t *Task) expire() {
	t.endSleep()
	t.r.reschedule(t, nil)
}

// expire cancels a scope whose deadline passed.
func (s *CancelScope) expire() { s.deadlineExpired() }
