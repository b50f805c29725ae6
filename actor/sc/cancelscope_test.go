package sc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// K2: Cancel before a blocking call ends it with ErrCancelled, absorbed by
// the scope; outer code continues.
func TestCancelBeforeBlockingCall(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var s sc.CancelScope
		var inner, again error
		after := false
		err := run(func(ctx context.Context) error {
			err := s.Run(ctx, func(ctx context.Context, s *sc.CancelScope) error {
				s.Cancel()
				inner = sc.Sleep(ctx, time.Hour)
				again = sc.Checkpoint(ctx) // level-triggered: again
				return inner
			})
			after = true
			return err
		}, mock())
		if err != nil || !after {
			t.Fatalf("err = %v, after = %v", err, after)
		}
		if !errors.Is(inner, sc.ErrCancelled) || !errors.Is(again, sc.ErrCancelled) {
			t.Fatalf("inner = %v, again = %v", inner, again)
		}
		if !s.CancelCalled() || !s.CancelledCaught() {
			t.Fatalf("called = %v, caught = %v", s.CancelCalled(), s.CancelledCaught())
		}
	})
}

// K2: Cancel during a blocking call (from a sibling) ends it; ctx.Done
// closes and ctx.Err reports context.Canceled.
func TestCancelDuringBlockingCall(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var s sc.CancelScope
		var sleepErr, ctxErr error
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("victim", func(ctx context.Context) error {
					return s.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
						done := ctx.Done()
						sleepErr = sc.Sleep(ctx, time.Hour)
						select {
						case <-done:
						default:
							return errors.New("ctx.Done not closed after cancel")
						}
						ctxErr = ctx.Err()
						return sleepErr
					})
				})
				n.StartSoon("canceller", func(ctx context.Context) error {
					if err := sc.Sleep(ctx, time.Second); err != nil {
						return err
					}
					s.Cancel()
					return nil
				})
				return nil
			})
		}, mock())
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(sleepErr, sc.ErrCancelled) || ctxErr != context.Canceled || !s.CancelledCaught() {
			t.Fatalf("sleep = %v, ctx.Err = %v, caught = %v", sleepErr, ctxErr, s.CancelledCaught())
		}
	})
}

// Runner.Cancel cancels main's root scope; the outcome is nil.
func TestRunnerCancelFromTask(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			sc.CurrentTask(ctx).Runner().Cancel()
			return sc.SleepForever(ctx)
		})
		if err != nil {
			t.Fatalf("outcome = %v, want nil", err)
		}
	})
}

// K3: a shielded scope inside a cancelled one keeps sleeping to its own
// end; the next unshielded checkpoint sees the cancellation.
func TestShieldKeepsSleeping(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var shieldedErr, afterErr error
		var slept time.Duration
		err := run(func(ctx context.Context) error {
			return sc.OpenCancelScope(ctx, func(ctx context.Context, outer *sc.CancelScope) error {
				outer.Cancel()
				start := sc.Now(ctx)
				shieldedErr = sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
					s.SetShield(true)
					return sc.Sleep(ctx, 2*time.Second)
				})
				slept = sc.Now(ctx).Sub(start)
				afterErr = sc.Checkpoint(ctx)
				return afterErr
			})
		}, mock())
		if err != nil || shieldedErr != nil || slept != 2*time.Second {
			t.Fatalf("err = %v, shielded = %v, slept = %v", err, shieldedErr, slept)
		}
		if !errors.Is(afterErr, sc.ErrCancelled) {
			t.Fatalf("after the shield: %v, want cancelled", afterErr)
		}
	})
}

// K3: a deadline on the shielded scope still fires.
func TestShieldedDeadlineFires(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var s sc.CancelScope
		var slept time.Duration
		err := run(func(ctx context.Context) error {
			return sc.OpenCancelScope(ctx, func(ctx context.Context, outer *sc.CancelScope) error {
				outer.Cancel()
				start := sc.Now(ctx)
				s.SetShield(true)
				s.SetDeadline(start.Add(time.Second))
				err := s.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
					return sc.Sleep(ctx, time.Hour)
				})
				slept = sc.Now(ctx).Sub(start)
				return err
			})
		}, mock())
		if err != nil || !s.CancelledCaught() || slept != time.Second {
			t.Fatalf("err = %v, caught = %v, slept = %v", err, s.CancelledCaught(), slept)
		}
	})
}

// K4: MoveOnAfter returns quietly; FailAfter returns a too-slow error; a
// past deadline cancels at the first checkpoint.
func TestDeadlines(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		tests := []struct {
			name string
			body func(ctx context.Context) error
			want error
		}{
			{"move on after", func(ctx context.Context) error {
				start := sc.Now(ctx)
				err := sc.MoveOnAfter(ctx, time.Second, func(ctx context.Context) error { return sc.Sleep(ctx, time.Hour) })
				if d := sc.Now(ctx).Sub(start); d != time.Second {
					return fmt.Errorf("moved on after %v", d)
				}
				return err
			}, nil},
			{"move on, finished in time", func(ctx context.Context) error {
				return sc.MoveOnAfter(ctx, time.Hour, func(ctx context.Context) error { return sc.Sleep(ctx, time.Second) })
			}, nil},
			{"fail after", func(ctx context.Context) error {
				return sc.FailAfter(ctx, time.Second, func(ctx context.Context) error { return sc.Sleep(ctx, time.Hour) })
			}, sc.ErrTooSlow},
			{"fail after, in time", func(ctx context.Context) error {
				return sc.FailAfter(ctx, time.Hour, func(ctx context.Context) error { return sc.Sleep(ctx, time.Second) })
			}, nil},
			{"past deadline cancels at first checkpoint", func(ctx context.Context) error {
				reached := false
				err := sc.MoveOnAt(ctx, sc.Now(ctx).Add(-time.Second), func(ctx context.Context) error {
					reached = true // code before the first checkpoint runs
					if err := sc.Checkpoint(ctx); !errors.Is(err, sc.ErrCancelled) {
						return fmt.Errorf("first checkpoint: %v", err)
					}
					return sc.ErrCancelled
				})
				if !reached {
					return errors.New("body did not run")
				}
				return err
			}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := run(tt.body, mock())
				if (tt.want == nil && err != nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
					t.Fatalf("got %v, want %v", err, tt.want)
				}
			})
		}
	})
}

// Moving a deadline earlier from another task takes effect.
func TestMoveDeadlineEarlier(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var slept time.Duration
		err := run(func(ctx context.Context) error {
			var s sc.CancelScope
			s.SetDeadline(sc.Now(ctx).Add(time.Hour))
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("sleeper", func(ctx context.Context) error {
					start := sc.Now(ctx)
					err := s.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error { return sc.Sleep(ctx, 2*time.Hour) })
					slept = sc.Now(ctx).Sub(start)
					return err
				})
				n.StartSoon("mover", func(ctx context.Context) error {
					if err := sc.Sleep(ctx, time.Second); err != nil {
						return err
					}
					s.SetDeadline(sc.Now(ctx).Add(time.Second))
					return nil
				})
				return nil
			})
		}, mock())
		if err != nil || slept != 2*time.Second {
			t.Fatalf("err = %v, slept = %v, want 2s", err, slept)
		}
	})
}

// LIFO: exiting scopes out of order is an error, and a scope left open is
// reported.
func TestScopeExitOrder(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			var a, b sc.CancelScope
			actx, err := a.Enter(ctx)
			if err != nil {
				return err
			}
			bctx, err := b.Enter(actx)
			if err != nil {
				return err
			}
			if err := a.Exit(actx, nil); !errors.Is(err, sc.ErrScopeOrder) {
				return fmt.Errorf("out-of-order exit: %v", err)
			}
			if err := b.Exit(bctx, nil); err != nil {
				return fmt.Errorf("inner exit: %v", err)
			}
			if err := a.Exit(actx, nil); err != nil {
				return fmt.Errorf("outer exit: %v", err)
			}
			if err := a.Exit(actx, nil); !errors.Is(err, sc.ErrScopeOrder) {
				return fmt.Errorf("double exit: %v", err)
			}
			if _, err := a.Enter(ctx); !errors.Is(err, sc.ErrScopeOrder) {
				return fmt.Errorf("re-enter: %v", err)
			}
			leaked := sc.OpenCancelScope(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
				var c sc.CancelScope
				_, err := c.Enter(ctx)
				return err
			})
			if !errors.Is(leaked, sc.ErrScopeOrder) {
				return fmt.Errorf("leaked scope: %v", leaked)
			}
			return sc.Checkpoint(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// A shielded scope's ctx has its own Done, open while the outer scope's is
// closed; dropping the shield delivers the outer cancellation at once.
func TestShieldContextAndToggle(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var shield sc.CancelScope
		var sleepErr error
		var shieldDone <-chan struct{}
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				outerDone := ctx.Done()
				shield.SetShield(true)
				n.StartSoon("shielded", func(ctx context.Context) error {
					return shield.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
						shieldDone = ctx.Done()
						sleepErr = sc.Sleep(ctx, time.Hour)
						return sleepErr
					})
				})
				if err := sc.Sleep(ctx, time.Second); err != nil {
					return err
				}
				n.CancelScope().Cancel()
				select {
				case <-outerDone:
				default:
					return errors.New("outer Done still open after Cancel")
				}
				select {
				case <-shieldDone:
					return errors.New("shielded Done closed by the outer cancel")
				default:
				}
				// The shielded task keeps sleeping: give it a few ticks.
				if err := sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
					s.SetShield(true)
					return sc.Sleep(ctx, time.Second)
				}); err != nil {
					return err
				}
				if sleepErr != nil {
					return fmt.Errorf("shielded sleep ended early: %v", sleepErr)
				}
				shield.SetShield(false) // now the nursery's cancellation reaches it
				return nil
			})
		}, mock())
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(sleepErr, sc.ErrCancelled) || shield.CancelledCaught() {
			t.Fatalf("sleep = %v, caught by the shield scope = %v (want the nursery to absorb it)", sleepErr, shield.CancelledCaught())
		}
	})
}

// Cancellation inside a nursery body that the body does not absorb is
// absorbed by the scope that caused it, and the code after continues.
func TestCancelAbsorbedByCausingScope(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var outer sc.CancelScope
		after := false
		err := run(func(ctx context.Context) error {
			err := outer.Run(ctx, func(ctx context.Context, s *sc.CancelScope) error {
				return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
					n.StartSoon("child", func(ctx context.Context) error { return sc.SleepForever(ctx) })
					s.Cancel()
					return sc.SleepForever(ctx)
				})
			})
			after = true
			return err
		})
		if err != nil || !after || !outer.CancelledCaught() {
			t.Fatalf("err = %v, after = %v, caught = %v", err, after, outer.CancelledCaught())
		}
	})
}
