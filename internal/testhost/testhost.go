// Package testhost is a minimal foreign event loop for tests: a goroutine
// running funcs from a queue, written without any of hitch's loop code, so
// that guest runs can be shown to work on a host hitch did not write.
package testhost

import (
	"errors"
	"runtime"
	"sync"
)

// ErrQuit is returned by RunSyncSoonThreadsafe once the loop has quit.
var ErrQuit = errors.New("testhost: loop has quit")

// Host is a chan-func style loop. Run drives it; the zero value is not
// usable, New makes one.
type Host struct {
	mu     sync.Mutex
	queue  []func()
	quit   bool
	wake   chan struct{}
	closed chan struct{}
	locked bool
}

// New returns a host that is not running yet; Run locks its goroutine to
// the OS thread, as UI loops do.
func New() *Host {
	return &Host{wake: make(chan struct{}, 1), closed: make(chan struct{}), locked: true}
}

// NewUnlocked returns a host whose Run leaves its goroutine unlocked.
func NewUnlocked() *Host {
	h := New()
	h.locked = false
	return h
}

// RunSyncSoonThreadsafe queues fn; any goroutine. After Quit it returns
// ErrQuit and fn never runs.
func (h *Host) RunSyncSoonThreadsafe(fn func()) error {
	h.mu.Lock()
	if h.quit {
		h.mu.Unlock()
		return ErrQuit
	}
	h.queue = append(h.queue, fn)
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
	return nil
}

// Quit makes Run return after the func it is running; queued funcs are
// dropped, as a host that stops early drops them. Any goroutine.
func (h *Host) Quit() {
	h.mu.Lock()
	h.quit = true
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Run runs queued funcs on the calling goroutine, locked to its OS thread
// (unless NewUnlocked made it), until Quit or until until() reports true after a func.
func (h *Host) Run(until func() bool) {
	if h.locked {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	defer close(h.closed)
	var batch []func()
	for {
		h.mu.Lock()
		if h.quit {
			h.queue = nil
			h.mu.Unlock()
			return
		}
		batch, h.queue = h.queue, batch[:0]
		h.mu.Unlock()
		if len(batch) == 0 {
			<-h.wake
			continue
		}
		for i, fn := range batch {
			batch[i] = nil
			fn()
			if until != nil && until() {
				h.Quit()
				return
			}
		}
	}
}

// Stopped returns a channel closed once Run has returned.
func (h *Host) Stopped() <-chan struct{} { return h.closed }
