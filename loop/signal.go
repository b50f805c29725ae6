package loop

import (
	"errors"
	"os"
	"os/signal"
)

// sigWatch forwards one signal to the loop from its own goroutine.
type sigWatch struct {
	ch   chan os.Signal
	stop chan struct{}
	done chan struct{}
}

// AddSignalHandler makes fn run as a loop callback each time the process
// receives sig (signals arriving before fn ran fold into one). It replaces
// a handler already set for sig. While set, the signal's default action
// (such as exiting on SIGINT) is off. Any goroutine; ErrClosed after Close.
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
	w := &sigWatch{ch: make(chan os.Signal, 1), stop: make(chan struct{}), done: make(chan struct{})}
	signal.Notify(w.ch, sig)
	l.sigs[sig] = w
	go func() {
		defer close(w.done)
		for {
			select {
			case <-w.ch: // the signal arrived: hand it to the loop
				if l.CallSoonThreadsafe(fn) != nil {
					return
				}
			case <-w.stop: // removed or loop closed
				return
			}
		}
	}()
	return nil
}

// RemoveSignalHandler removes the handler for sig and reports whether
// there was one; the signal's default action is back. It waits for the
// forwarding goroutine to end. Any goroutine.
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

func (w *sigWatch) end() {
	signal.Stop(w.ch)
	close(w.stop)
	<-w.done
}

func (l *Loop) removeAllSignalHandlers() {
	l.sigMu.Lock()
	defer l.sigMu.Unlock()
	for sig, w := range l.sigs {
		delete(l.sigs, sig)
		w.end()
	}
}
