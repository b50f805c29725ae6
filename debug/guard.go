package debug

import (
	"errors"

	"github.com/hitchrt/hitch/internal/panics"
)

// Guard is the crash handler for plain functions: it runs fn on the calling
// goroutine and, when fn returns an error or panics, opens a post-mortem
// REPL on it the way PauseFromSync opens a REPL (same lock, same rules for
// where it may be called). A panic comes back as an *sc.PanicError carrying
// the panic's stack. Afterwards Guard returns fn's error (the crash is
// re-raised) or, with Suppress and a REPL left with continue, nil; quitting
// the REPL always re-raises. An option Guard cannot honour, or a failure to
// open the REPL, is returned joined with fn's error. fn == nil panics.
func Guard(fn func() error, opts ...Option) (err error) {
	if fn == nil {
		panic("debug: Guard with a nil function")
	}
	cfg := newConfig(callGuard, opts)
	if cfg.bad != nil {
		return cfg.bad
	}
	err = runRecovered(fn)
	if err == nil {
		return nil
	}
	switch perr := pauseSync(&cfg, "crashed", callers(3), err); {
	case perr == nil && cfg.suppress:
		return nil
	case perr == nil || errors.Is(perr, ErrQuit):
		return err
	default:
		return errors.Join(err, perr)
	}
}

// runRecovered runs fn, turning a panic into an *sc.PanicError.
func runRecovered(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panics.Capture(v, "debug.Guard")
		}
	}()
	return fn()
}
