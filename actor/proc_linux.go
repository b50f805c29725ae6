package actor

import (
	"os"
	"os/signal"
	"syscall"
)

// parentDeathSignal is what the kernel sends a child when its parent
// dies, as a backstop to the child's own watch of its bootstrap pipe and
// parent channel. It is not SIGTERM: the kernel sends it again each time
// the child is handed to another thread of its dying parent, so a child of
// a multi-threaded parent gets it two or three times, and a repeated stop
// signal would mean "exit now" and cut the teardown short. SIGHUP is only
// ever read here as "the parent is gone", which is idempotent.
const parentDeathSignal = syscall.SIGHUP

// parentDeath delivers the parent-death signal once notifyParentDeath has
// run; nil when the platform has none.
var parentDeath chan os.Signal

// notifyParentDeath routes the parent-death signal to parentDeath instead
// of its default action (ending the process).
func notifyParentDeath() {
	parentDeath = make(chan os.Signal, 1)
	signal.Notify(parentDeath, parentDeathSignal)
}

// sysProcAttr asks the kernel to send the child parentDeathSignal when its
// parent dies. The signal is tied to the thread that started the child (a
// Go runtime thread exits only when a goroutine locked to it ends), so
// children are always started from a fresh, unlocked goroutine.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: parentDeathSignal}
}
