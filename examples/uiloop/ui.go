package main

import (
	"errors"
	"runtime"
	"sync"
	"time"
)

// errQuit is what RunSyncSoonThreadsafe returns once the UI loop has quit.
var errQuit = errors.New("ui: loop has quit")

// ui is a small UI-style event loop of the kind a toolkit owns: one
// goroutine, locked to its OS thread, runs queued callbacks and renders a
// frame every frameEvery. Nothing in it knows about hitch; the one method
// RunSyncSoonThreadsafe makes it a bridge.Host.
type ui struct {
	queue chan func()   // callbacks from any goroutine
	quit  chan struct{} // closed when the loop stops taking callbacks
	mu    sync.RWMutex  // senders hold it shared; stop takes it to drain
	ended bool          // guarded by mu

	// UI thread only: the state guest tasks touch without locks.
	tid     int // the loop's OS thread
	frame   int
	x       int    // moved by the guest's animator
	status  string // written by the guest's status task
	onFrame func() // called after each frame
}

func newUI() *ui {
	return &ui{queue: make(chan func(), 64), quit: make(chan struct{})}
}

// RunSyncSoonThreadsafe queues fn to run on the UI thread. Any goroutine.
// A callback it accepted always runs; once the loop has quit it returns
// errQuit instead.
func (u *ui) RunSyncSoonThreadsafe(fn func()) error {
	u.mu.RLock()
	defer u.mu.RUnlock()
	if u.ended {
		return errQuit
	}
	select {
	case u.queue <- fn:
		return nil
	case <-u.quit: // a full queue on a stopping loop
		return errQuit
	}
}

// run locks the calling goroutine to its OS thread and runs callbacks and
// frames on it until a callback calls stop.
func (u *ui) run(frameEvery time.Duration) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	u.tid = threadID()
	frames := time.NewTicker(frameEvery)
	defer frames.Stop()
	for {
		select {
		case <-u.quit: // first, so that stop takes effect at the next turn
			u.drain()
			return
		default:
		}
		select {
		case fn := <-u.queue:
			fn()
		case <-frames.C:
			u.frame++ // "render"
			if u.onFrame != nil {
				u.onFrame()
			}
		case <-u.quit:
			u.drain()
			return
		}
	}
}

// stop makes the loop quit at its next turn: senders get errQuit from then
// on, and callbacks already accepted still run before run returns. UI
// thread only; repeat calls are no-ops.
func (u *ui) stop() {
	select {
	case <-u.quit:
	default:
		close(u.quit)
	}
}

// drain refuses new callbacks, waiting out senders in flight, then runs
// the ones already queued.
func (u *ui) drain() {
	u.mu.Lock()
	u.ended = true
	u.mu.Unlock()
	for {
		select {
		case fn := <-u.queue:
			fn()
		default:
			return
		}
	}
}
