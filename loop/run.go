package loop

import (
	"context"
	"os"

	"github.com/hitchrt/hitch/internal/sigguard"
)

// Run is asyncio.run: it makes a loop with opts, runs main as the task
// "main" on the calling goroutine until main returns, then cancels every
// other task still running and keeps the loop turning until they have all
// ended, then closes the loop. It returns main's error (a *PanicError if
// main panicked).
//
// Stop policy (as Python 3.11's runner, with SIGTERM added;
// WithSIGINTPolicy(false) turns it off): while Run runs, it owns SIGINT
// and SIGTERM on the process's signal guard. The first of them cancels
// the main task, so its pending await returns ErrCancelled, its ctx's
// cause matches ErrInterrupted (it is ErrInterrupted itself for SIGINT,
// an *InterruptedError naming the signal for SIGTERM), and its cleanup
// runs; Run then returns an *InterruptedError (matching ErrInterrupted)
// that names the signal and wraps main's outcome. A second one ends Run
// at the loop's next turn without waiting for the cleanup: the abandoned
// tasks' coroutines are stopped by Close (their awaits fail at once while
// their deferred code unwinds). A task blocked outside hitch (a busy
// loop, a blocking syscall) delays that turn. An owner that claims the
// signals after Run (the actor runtime, a loop signal handler, a
// debugger's SIGINT shield) takes them over until it leaves. Once Run has
// stopped turning the loop, before it closes it, the signals go back to
// their previous owner, or to their default action when there is none.
func Run(main func(ctx context.Context) error, opts ...RunOption) error {
	if main == nil {
		panic("loop: Run: nil main")
	}
	rc := newRunConfig(opts)
	l := New(rc.loop...)
	defer l.Close()
	mt := l.Spawn("main", main)
	mt.ownedByRun = true
	aborted := false           // loop only
	var stopSig chan os.Signal // the first stop signal, sent by the guard; nil without the policy
	release := func() {}
	if rc.sigint {
		stopSig = make(chan os.Signal, 1)
		release = sigguard.Own(sigguard.Claim{
			Who:     "loop.Run",
			Level:   sigguard.LevelOwner,
			Signals: sigguard.StopSignals(),
			Handle: sigguard.StopPolicy(func(sig os.Signal) {
				stopSig <- sig // the policy cancels once: never full
				_ = l.CallSoonThreadsafe(func() { mt.CancelWithCause(interruptCause(sig)) })
			}, func(os.Signal) {
				_ = l.CallSoonThreadsafe(func() {
					aborted = true
					l.Stop()
				})
			}),
		})
		defer release()
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
	// After release returns the guard hands Run no more signals, so what
	// stopSig holds is final.
	release()
	mt.obs.retrieved.Store(true)
	abandoned := !mt.c.done
	l.Close()
	select {
	case sig := <-stopSig:
		if abandoned {
			return &InterruptedError{Signal: sig, Err: errAbandoned}
		}
		return &InterruptedError{Signal: sig, Err: mt.c.err}
	default:
	}
	return mt.c.err
}

// interruptCause is the cause main's ctx is cancelled with on sig.
func interruptCause(sig os.Signal) error {
	if sig == os.Interrupt {
		return ErrInterrupted
	}
	return &InterruptedError{Signal: sig}
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
