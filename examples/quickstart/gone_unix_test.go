//go:build unix

package main

import (
	"errors"
	"syscall"
	"testing"
	"time"
)

// waitGone fails the test unless process pid is gone (signal 0 finds no
// such process) within a few seconds of the program's exit: the program
// reaps its child before it exits, so only a pid left behind fails this.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := syscall.Kill(pid, 0)
		if errors.Is(err, syscall.ESRCH) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("child pid %d still there after the program exited (kill 0: %v)", pid, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
