package coro

import (
	"runtime"
	"syscall"
	"testing"
)

// The design leans on this: a coroutine runs on its resumer's OS thread,
// even when the resumer is locked to that thread.
func TestRunsOnResumerThread(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	host := syscall.Gettid()
	var seen []int
	c := New(func(c *Coro) {
		for range 3 {
			seen = append(seen, syscall.Gettid())
			c.Yield()
		}
	})
	for !c.Resume() {
	}
	for _, tid := range seen {
		if tid != host {
			t.Fatalf("coroutine ran on thread %d, resumer on %d", tid, host)
		}
	}
}
