//go:build unix

package progtest

import (
	"errors"
	"syscall"
	"testing"
	"time"
)

// WaitGone waits, with a bound of ten seconds, until no process has the
// pid (signal 0 finds no such process), and fails the test otherwise. Call
// it after a program has exited, to check that a child it started did not
// outlive it.
func WaitGone(t testing.TB, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := syscall.Kill(pid, 0)
		if errors.Is(err, syscall.ESRCH) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child (pid %d) is still there after the program exited: kill(pid, 0) = %v", pid, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
