package actor

import "syscall"

// sysProcAttr asks the kernel to send the child SIGTERM when its parent
// dies, as a backstop to the child's own watch of its bootstrap pipe and
// parent channel. The signal is tied to the thread that started the child
// (a Go runtime thread exits only when a goroutine locked to it ends), so
// children are always started from a fresh, unlocked goroutine.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
