package sc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hitchrt/hitch/actor/sc"
)

// G10-like: an interrupt reaches the main task at its next checkpoint.
func TestInterruptReachesMain(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			r := sc.CurrentTask(ctx).Runner()
			go r.Interrupt() // from a plain goroutine
			return sc.SleepForever(ctx)
		})
		if !errors.Is(err, sc.ErrInterrupted) {
			t.Fatalf("outcome = %v, want ErrInterrupted", err)
		}
	})
}

// An interrupt while main waits in a nursery is recorded by the nursery,
// which cancels its children.
func TestInterruptInNurseryWait(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var childErr error
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("child", func(ctx context.Context) error {
					if err := sc.Checkpoint(ctx); err != nil {
						return err
					}
					sc.CurrentTask(ctx).Runner().Interrupt()
					childErr = sc.SleepForever(ctx)
					return childErr
				})
				return nil
			})
		})
		if !errors.Is(err, sc.ErrInterrupted) || !errors.Is(childErr, sc.ErrCancelled) {
			t.Fatalf("outcome = %v, child = %v", err, childErr)
		}
	})
}

// If main already finished with an error, the interrupt becomes the
// outcome with that error chained.
func TestInterruptAfterMainFinished(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		mainErr := errors.New("main failed")
		release := make(chan struct{})
		tokenDone := make(chan error, 1)
		err := run(func(ctx context.Context) error {
			r := sc.CurrentTask(ctx).Runner()
			var started sc.Event
			go func() {
				// A token task keeps the run alive after main returns.
				tokenDone <- r.Token().Run(func(ctx context.Context) error {
					started.Set()
					return sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
						s.SetShield(true)
						return sc.ToGoroutine(ctx, func(context.Context) error {
							<-release
							return nil
						}, false)
					})
				})
			}()
			if err := started.Wait(ctx); err != nil {
				return err
			}
			go func() {
				// By the time the interrupt is taken, main has returned
				// (it is taken at the start of a tick).
				r.Interrupt()
				close(release)
			}()
			return mainErr
		})
		<-tokenDone
		var ie *sc.InterruptedError
		if !errors.Is(err, sc.ErrInterrupted) || !errors.Is(err, mainErr) || !errors.As(err, &ie) {
			t.Fatalf("outcome = %v", err)
		}
	})
}
