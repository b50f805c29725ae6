package main

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// errClosed is what RunSyncSoonThreadsafe returns once the UI loop has
// stopped.
var errClosed = errors.New("ui: loop has stopped")

// ui stands for the event loop of a UI toolkit: one goroutine, locked to
// its OS thread, that runs posted callbacks and renders a frame at a fixed
// rate. Nothing in it knows about hitch; its one method
// RunSyncSoonThreadsafe (a toolkit's "post to the UI thread") makes it a
// bridge.Host.
type ui struct {
	mu      sync.Mutex
	posted  []func() // guarded by mu
	closed  bool     // guarded by mu
	wake    chan struct{}
	stopped bool // UI thread only

	// The screen's model. UI thread only.
	frame   int
	text    string // what the next frame shows
	onFrame func() // called after each frame
}

func newUI() *ui { return &ui{wake: make(chan struct{}, 1)} }

// RunSyncSoonThreadsafe posts fn to run on the UI thread. Any goroutine;
// it never blocks. A callback it accepts always runs; once the loop has
// stopped it returns errClosed instead.
func (u *ui) RunSyncSoonThreadsafe(fn func()) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return errClosed
	}
	u.posted = append(u.posted, fn)
	select {
	case u.wake <- struct{}{}:
	default:
	}
	return nil
}

// run locks the calling goroutine to its OS thread and runs posted
// callbacks and frames there until a callback calls stop.
func (u *ui) run(frameEvery time.Duration) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	frames := time.NewTicker(frameEvery)
	defer frames.Stop()
	for !u.stopped {
		select {
		case <-u.wake:
			u.mu.Lock()
			batch := u.posted
			u.posted = nil
			u.mu.Unlock()
			for _, fn := range batch {
				fn()
			}
		case <-frames.C:
			u.frame++
			fmt.Printf("frame %d: %s\n", u.frame, u.text) // "render"
			if u.onFrame != nil {
				u.onFrame()
			}
		}
	}
	u.mu.Lock()
	u.closed = true
	rest := u.posted
	u.mu.Unlock()
	for _, fn := range rest { // a callback accepted always runs
		fn()
	}
}

// stop makes run return after the callback or frame it is in. UI thread
// only.
func (u *ui) stop() { u.stopped = true }
