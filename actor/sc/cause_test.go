package sc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// A scope cancelled with a cause: ctx.Err is context.Canceled, and
// context.Cause reports the cause, in the task and in its ToGoroutine
// goroutine; the blocking call still fails with ErrCancelled, which the
// scope absorbs. Only the first cancellation counts.
func TestCancelWithCause(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		why := errors.New("the canceller's reason")
		var s sc.CancelScope
		err := run(func(ctx context.Context) error {
			return s.Run(ctx, func(ctx context.Context, s *sc.CancelScope) error {
				if c := context.Cause(ctx); c != nil || s.Cause() != nil {
					return fmt.Errorf("cause before cancel: %v, %v", c, s.Cause())
				}
				tk := sc.CurrentTask(ctx).Runner().Token()
				var goroutineCause error
				err := sc.ToGoroutine(ctx, func(gctx context.Context) error {
					err := tk.RunSync(func() error {
						s.CancelWithCause(why)
						s.CancelWithCause(errors.New("second"))
						s.Cancel()
						return nil
					})
					if err != nil {
						return err
					}
					<-gctx.Done()
					goroutineCause = context.Cause(gctx)
					return context.Cause(gctx)
				}, false)
				if goroutineCause != why {
					return fmt.Errorf("goroutine saw cause %v", goroutineCause)
				}
				if !errors.Is(err, sc.ErrCancelled) || !errors.Is(err, why) {
					return fmt.Errorf("ToGoroutine: %v, want ErrCancelled and the cause", err)
				}
				if ctx.Err() != context.Canceled || context.Cause(ctx) != why || s.Cause() != why {
					return fmt.Errorf("Err %v, Cause %v, scope cause %v", ctx.Err(), context.Cause(ctx), s.Cause())
				}
				// Scopes inside inherit the cause; a context derived from the
				// task's ctx reports it too.
				return sc.OpenCancelScope(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
					derived, cancel := context.WithCancel(ctx)
					defer cancel()
					<-derived.Done()
					if context.Cause(ctx) != why || context.Cause(derived) != why {
						return fmt.Errorf("inner cause %v, derived cause %v", context.Cause(ctx), context.Cause(derived))
					}
					return sc.Checkpoint(ctx)
				})
			})
		})
		if err != nil || !s.CancelledCaught() {
			t.Fatalf("err = %v, caught = %v", err, s.CancelledCaught())
		}
	})
}

// A deadline makes ctx.Err and context.Cause report
// context.DeadlineExceeded; a plain Cancel reports context.Canceled.
func TestCauseOfDeadlineAndCancel(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			var errs []error
			err := sc.MoveOnAfter(ctx, time.Second, func(ctx context.Context) error {
				err := sc.SleepForever(ctx)
				errs = append(errs, ctx.Err(), context.Cause(ctx))
				return err
			})
			if err != nil {
				return err
			}
			err = sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
				s.Cancel()
				errs = append(errs, ctx.Err(), context.Cause(ctx), s.Cause())
				return nil
			})
			want := []error{context.DeadlineExceeded, context.DeadlineExceeded, context.Canceled, context.Canceled, context.Canceled}
			if fmt.Sprint(errs) != fmt.Sprint(want) {
				return fmt.Errorf("got %v, want %v", errs, want)
			}
			return err
		}, mock())
		if err != nil {
			t.Fatal(err)
		}
	})
}

// A nursery cancels the siblings of a failing child with that child's
// error as the cause.
func TestNurseryCancelsWithFirstErrorAsCause(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		boom := errors.New("boom")
		var seen error
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("sibling", func(ctx context.Context) error {
					err := sc.SleepForever(ctx)
					seen = context.Cause(ctx)
					return err
				})
				n.StartSoon("failing", func(ctx context.Context) error {
					if err := sc.Checkpoint(ctx); err != nil {
						return err
					}
					return boom
				})
				return nil
			})
		})
		if !errors.Is(err, boom) || seen != boom {
			t.Fatalf("err = %v, sibling's cause = %v", err, seen)
		}
	})
}

// ctx.Deadline reports the effective sc deadline: the earliest around the
// task, up to a shield; it follows SetDeadline, and a virtual deadline is
// translated to wall time.
func TestCtxDeadline(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			if _, ok := ctx.Deadline(); ok {
				return errors.New("main has a deadline")
			}
			// within reports whether the ctx's deadline is d from now, give
			// or take the time the test itself takes.
			within := func(ctx context.Context, d time.Duration) error {
				dl, ok := ctx.Deadline()
				if !ok {
					return fmt.Errorf("no deadline, want %v from now", d)
				}
				if left := time.Until(dl); left > d || left < d-time.Minute {
					return fmt.Errorf("deadline %v from now, want %v", left, d)
				}
				return nil
			}
			return sc.OpenCancelScope(ctx, func(ctx context.Context, outer *sc.CancelScope) error {
				outer.SetDeadline(sc.Now(ctx).Add(time.Hour))
				if err := within(ctx, time.Hour); err != nil {
					return fmt.Errorf("outer: %w", err)
				}
				err := sc.MoveOnAfter(ctx, 2*time.Hour, func(ctx context.Context) error {
					if err := within(ctx, time.Hour); err != nil {
						return fmt.Errorf("looser inner: %w", err)
					}
					return nil
				})
				if err != nil {
					return err
				}
				err = sc.MoveOnAfter(ctx, 10*time.Minute, func(ctx context.Context) error {
					if err := within(ctx, 10*time.Minute); err != nil {
						return fmt.Errorf("tighter inner: %w", err)
					}
					return sc.ToGoroutine(ctx, func(gctx context.Context) error {
						return within(gctx, 10*time.Minute)
					}, false)
				})
				if err != nil {
					return err
				}
				var shielded sc.CancelScope
				shielded.SetShield(true)
				err = shielded.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
					if _, ok := ctx.Deadline(); ok {
						return errors.New("a shield must hide the outer deadline")
					}
					return nil
				})
				if err != nil {
					return err
				}
				outer.SetDeadline(sc.Now(ctx).Add(30 * time.Minute))
				if err := within(ctx, 30*time.Minute); err != nil {
					return fmt.Errorf("moved: %w", err)
				}
				outer.SetDeadline(time.Time{})
				if _, ok := ctx.Deadline(); ok {
					return errors.New("deadline left after removing it")
				}
				return nil
			})
		}, sc.WithClock(sc.NewMockClock(false))) // virtual, but still while the goroutine runs
		if err != nil {
			t.Fatal(err)
		}
	})
}

// context.Cause finds the cause through the lookup the context package
// uses internally; this fails if that lookup changes.
func TestCauseLookupStillWorks(t *testing.T) {
	why := errors.New("why")
	err := sc.Run(func(ctx context.Context) error {
		return sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
			s.CancelWithCause(why)
			if got := context.Cause(ctx); got != why {
				return fmt.Errorf("context.Cause = %v, want the cause (has the context package changed?)", got)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}
