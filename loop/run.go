package loop

import (
	"context"
	"os"

	"github.com/hitchrt/hitch/internal/sigint"
)

// Run is asyncio.run: it makes a loop with opts, runs main as the task
// "main" on the calling goroutine until main returns, then cancels every
// other task still running and keeps the loop turning until they have all
// ended, then closes the loop. It returns main's error (a *PanicError if
// main panicked).
//
// SIGINT policy (as Python 3.11's runner; WithSIGINTPolicy(false) turns it
// off): while Run runs, the first SIGINT cancels the main task, so its
// pending await returns ErrCancelled, its ctx's cause is ErrInterrupted,
// and its cleanup runs; Run then returns
// an *InterruptedError (matching ErrInterrupted) that wraps main's outcome.
// A second SIGINT ends Run at the loop's next turn without waiting for the
// cleanup: the abandoned tasks' coroutines are stopped by Close (their
// awaits fail at once while their deferred code unwinds). A task blocked
// outside hitch (a busy loop, a blocking syscall) delays that turn. After
// Run returns, SIGINT's default action is back.
func Run(main func(ctx context.Context) error, opts ...RunOption) error {
	if main == nil {
		panic("loop: Run: nil main")
	}
	rc := newRunConfig(opts)
	l := New(rc.loop...)
	defer l.Close()
	mt := l.Spawn("main", main)
	mt.ownedByRun = true
	interrupts := 0
	aborted := false
	if rc.sigint {
		err := l.AddSignalHandler(os.Interrupt, func() {
			interrupts++
			if interrupts == 1 {
				mt.CancelWithCause(ErrInterrupted)
				return
			}
			aborted = true
			l.Stop()
		})
		if err != nil {
			return err
		}
		// A guest run on this loop leaves SIGINT to this policy.
		defer sigint.Own("loop.Run")()
	}
	if err := l.enter(); err != nil {
		return err
	}
	for !mt.c.done && !aborted {
		l.runUntil(func() bool { return mt.c.done || aborted })
	}
	// Cancel the rest, including tasks spawned while they wind down.
	for !aborted && len(l.tasks) > 0 {
		for t := range l.tasks {
			if t.cancels == 0 {
				t.Cancel()
			}
		}
		l.runUntil(func() bool { return aborted || allCancelled(l) })
	}
	l.state.Store(stateIdle)
	mt.obs.retrieved.Store(true)
	abandoned := !mt.c.done
	l.Close()
	if interrupts > 0 {
		if abandoned {
			return &InterruptedError{Err: errAbandoned}
		}
		return &InterruptedError{Err: mt.c.err}
	}
	return mt.c.err
}

// allCancelled reports that no task is left, or that a task appeared that
// has not been cancelled yet.
func allCancelled(l *Loop) bool {
	for t := range l.tasks {
		if t.cancels == 0 {
			return true
		}
	}
	return len(l.tasks) == 0
}
