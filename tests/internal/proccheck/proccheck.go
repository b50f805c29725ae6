//go:build unix

// Package proccheck holds the process-table checks of hitch's multi-process
// tests: a test binary makes itself the subreaper of everything it starts,
// so a grandchild orphaned by a dying child is reparented to it rather than
// to init, and at the end of the package's tests no child or orphan may be
// left alive.
package proccheck

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/hitchrt/hitch/internal/proctable"
)

// settle bounds how long the final check waits for processes that are on
// their way out (an orphaned grandchild notices its lost parent within a
// second).
const settle = 3 * time.Second

// Proc is one entry of the process table.
type Proc = proctable.Proc

// Children returns the processes whose parent is this process.
func Children() []Proc {
	return ChildrenOf(os.Getpid())
}

// ChildrenOf returns the processes whose parent is ppid.
func ChildrenOf(ppid int) []Proc {
	return proctable.All(func(p Proc) bool { return p.PPID == ppid })
}

// Stat reads one process's entry; false when there is no such process.
func Stat(pid int) (Proc, bool) { return proctable.Stat(pid) }

// Alive reports whether pid is a live process (not gone, not a zombie).
func Alive(pid int) bool {
	p, ok := Stat(pid)
	return ok && p.State != 'Z'
}

// Verify is goleak's cleanup for TestMain: it reaps exited orphans, waits a
// bounded time for the rest to go, then fails the run (killing and reaping
// them) if any child is still alive, and exits with the resulting code.
//
//	func TestMain(m *testing.M) {
//		actor.ChildMain()
//		proccheck.Subreaper()
//		goleak.VerifyTestMain(m, goleak.Cleanup(proccheck.Verify))
//	}
func Verify(code int) {
	deadline := time.Now().Add(settle)
	var left []Proc
	for {
		reapZombies()
		left = Children()
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(left) > 0 {
		fmt.Fprintf(os.Stderr, "proccheck: %d process(es) outlived the tests:\n", len(left))
		for _, p := range left {
			fmt.Fprintf(os.Stderr, "  pid %d state %c %s\n", p.PID, p.State, p.Cmd)
			syscall.Kill(p.PID, syscall.SIGKILL)
		}
		for _, p := range left {
			var ws syscall.WaitStatus
			syscall.Wait4(p.PID, &ws, 0, nil)
		}
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// reapZombies waits for children that have exited and that nobody else
// waits for (orphans reparented to this subreaper).
func reapZombies() {
	for _, p := range Children() {
		if p.State == 'Z' {
			var ws syscall.WaitStatus
			syscall.Wait4(p.PID, &ws, syscall.WNOHANG, nil)
		}
	}
}
