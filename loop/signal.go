package loop

import (
	"errors"
	"os"
	"os/signal"
	"sync/atomic"

	"github.com/hitchrt/hitch/internal/sigguard"
)

// sigWatch forwards one signal to the loop; end removes it and returns
// once fn can no longer be queued by it.
type sigWatch struct{ end func() }

// AddSignalHandler makes fn run as a loop callback each time the process
// receives sig (signals arriving before fn ran fold into one). It replaces
// a handler already set for sig. While set, the signal's default action
// (such as exiting on SIGINT) is off. Any goroutine; ErrClosed after Close.
//
// SIGINT, SIGTERM and SIGUSR1 are taken through the process's signal
// guard, as the owner: a handler set here wins over Run's policy and any
// owner that claimed the signal before it, and yields to owners that claim
// it after it (and, for SIGINT, to a debugger's shield) until they leave.
func (l *Loop) AddSignalHandler(sig os.Signal, fn func()) error {
	if sig == nil || fn == nil {
		return errors.New("loop: AddSignalHandler: nil signal or func")
	}
	l.sigMu.Lock()
	defer l.sigMu.Unlock()
	if l.state.Load() == stateClosed {
		return ErrClosed
	}
	if old := l.sigs[sig]; old != nil {
		old.end()
	}
	if l.sigs == nil {
		l.sigs = make(map[os.Signal]*sigWatch)
	}
	if sigguard.Guarded(sig) {
		l.sigs[sig] = l.guardedWatch(sig, fn)
	} else {
		l.sigs[sig] = l.notifyWatch(sig, fn)
	}
	return nil
}

// guardedWatch claims sig on the signal guard.
func (l *Loop) guardedWatch(sig os.Signal, fn func()) *sigWatch {
	var queued atomic.Bool // fn is queued and has not started: fold
	run := func() {
		queued.Store(false)
		fn()
	}
	release := sigguard.Own(sigguard.Claim{
		Who:     "loop.AddSignalHandler",
		Level:   sigguard.LevelOwner,
		Signals: []os.Signal{sig},
		Handle: func(os.Signal) {
			if queued.Swap(true) {
				return
			}
			if l.CallSoonThreadsafe(run) != nil {
				queued.Store(false)
			}
		},
	})
	return &sigWatch{end: release}
}

// notifyWatch forwards sig, a signal the guard does not take, from a
// goroutine of its own.
func (l *Loop) notifyWatch(sig os.Signal, fn func()) *sigWatch {
	ch := make(chan os.Signal, 1)
	stop, done := make(chan struct{}), make(chan struct{})
	signal.Notify(ch, sig)
	go func() {
		defer close(done)
		for {
			select {
			case <-ch: // the signal arrived: hand it to the loop
				if l.CallSoonThreadsafe(fn) != nil {
					return
				}
			case <-stop: // removed or loop closed
				return
			}
		}
	}()
	return &sigWatch{end: func() {
		signal.Stop(ch)
		close(stop)
		<-done
	}}
}

// RemoveSignalHandler removes the handler for sig and reports whether
// there was one; the signal's default action is back, unless another
// owner of the process's signal guard takes it. It waits until the handler
// can no longer be queued. Any goroutine.
func (l *Loop) RemoveSignalHandler(sig os.Signal) bool {
	l.sigMu.Lock()
	defer l.sigMu.Unlock()
	w := l.sigs[sig]
	if w == nil {
		return false
	}
	delete(l.sigs, sig)
	w.end()
	return true
}

func (l *Loop) removeAllSignalHandlers() {
	l.sigMu.Lock()
	defer l.sigMu.Unlock()
	for sig, w := range l.sigs {
		delete(l.sigs, sig)
		w.end()
	}
}
