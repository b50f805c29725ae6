package sc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

type codeError struct{ code int }

func (e *codeError) Error() string { return fmt.Sprintf("code %d", e.code) }

// K1: a nursery waits for all children.
func TestNurseryWaitsForAllChildren(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		done := map[string]bool{}
		var elapsed time.Duration
		err := run(func(ctx context.Context) error {
			start := sc.Now(ctx)
			err := sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				for i, name := range []string{"a", "b", "c"} {
					n.StartSoon(name, func(ctx context.Context) error {
						if err := sc.Sleep(ctx, time.Duration(i+1)*time.Second); err != nil {
							return err
						}
						done[name] = true
						return nil
					})
				}
				return nil
			})
			elapsed = sc.Now(ctx).Sub(start)
			return err
		}, mock())
		if err != nil {
			t.Fatal(err)
		}
		if len(done) != 3 || elapsed != 3*time.Second {
			t.Fatalf("done = %v, elapsed = %v, want all three after 3s", done, elapsed)
		}
	})
}

// K1: a child error cancels the siblings, and the nursery returns every
// error so errors.Is/As reach each.
func TestNurseryChildErrorCancelsSiblings(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		errA := errors.New("a failed")
		var siblingSaw error
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("sleeper", func(ctx context.Context) error {
					siblingSaw = sc.Sleep(ctx, time.Hour)
					return siblingSaw
				})
				n.StartSoon("cleanup", func(ctx context.Context) error {
					if err := sc.SleepForever(ctx); !errors.Is(err, sc.ErrCancelled) {
						return fmt.Errorf("want cancelled, got %v", err)
					}
					return &codeError{7}
				})
				n.StartSoon("a", func(ctx context.Context) error {
					if err := sc.Sleep(ctx, time.Second); err != nil {
						return err
					}
					return errA
				})
				return sc.SleepForever(ctx)
			})
		}, mock())
		var ne *sc.NurseryError
		if !errors.As(err, &ne) {
			t.Fatalf("got %T %v, want *sc.NurseryError", err, err)
		}
		var ce *codeError
		if !errors.Is(err, errA) || !errors.As(err, &ce) || ce.code != 7 {
			t.Fatalf("error does not reach both children: %v", err)
		}
		if len(ne.Errs) != 2 {
			t.Fatalf("want exactly the two real errors (cancellations absorbed), got %v", ne.Errs)
		}
		if !errors.Is(siblingSaw, sc.ErrCancelled) {
			t.Fatalf("sibling saw %v, want ErrCancelled", siblingSaw)
		}
	})
}

// Nursery errors are always aggregated, even one.
func TestNurseryErrorAlwaysAggregated(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		boom := errors.New("boom")
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("x", func(ctx context.Context) error { return boom })
				return nil
			})
		})
		ne, ok := err.(*sc.NurseryError)
		if !ok || len(ne.Errs) != 1 || ne.Errs[0] != boom {
			t.Fatalf("got %#v", err)
		}
		// The body's own error is collected too.
		err = run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error { return boom })
		})
		if ne, ok := err.(*sc.NurseryError); !ok || len(ne.Errs) != 1 {
			t.Fatalf("got %#v", err)
		}
	})
}

// StartSoon after the nursery closed is an error, not a panic.
func TestStartSoonOnClosedNursery(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			var kept *sc.Nursery
			if err := sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				kept = n
				return nil
			}); err != nil {
				return err
			}
			err := kept.StartSoon("late", func(context.Context) error { return nil })
			if !errors.Is(err, sc.ErrNurseryClosed) {
				return fmt.Errorf("got %v, want ErrNurseryClosed", err)
			}
			var zero sc.Nursery
			if err := zero.StartSoon("x", func(context.Context) error { return nil }); err == nil {
				return errors.New("zero nursery accepted a task")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// K5: Start returns the started value while the task keeps running; an
// error before started goes to the caller.
func TestStartWithStartedValue(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var trace []string
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				port, err := sc.Start(ctx, n, "server", func(ctx context.Context, started func(int)) error {
					trace = append(trace, "setup")
					if err := sc.Sleep(ctx, time.Second); err != nil {
						return err
					}
					started(8080)
					trace = append(trace, "serving")
					if err := sc.Sleep(ctx, time.Second); err != nil {
						return err
					}
					trace = append(trace, "served")
					return nil
				})
				if err != nil {
					return err
				}
				trace = append(trace, fmt.Sprintf("caller got %d", port))
				return nil
			})
		}, mock())
		if err != nil {
			t.Fatal(err)
		}
		want := "[setup caller got 8080 serving served]"
		if got := fmt.Sprint(trace); got != want && got != "[setup serving caller got 8080 served]" {
			t.Fatalf("trace = %s, want %s", got, want)
		}
	})
}

func TestStartErrorBeforeStarted(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		boom := errors.New("setup failed")
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				_, err := sc.Start(ctx, n, "bad", func(ctx context.Context, started func(string)) error {
					return boom
				})
				if err != boom {
					return fmt.Errorf("Start returned %v, want the task's own error", err)
				}
				_, err = sc.Start(ctx, n, "lazy", func(ctx context.Context, started func(string)) error {
					return nil
				})
				if err == nil {
					return errors.New("a task that never called started was accepted")
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// Start: the caller's cancellation cancels the task before started.
func TestStartCancelledBeforeStarted(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				return sc.MoveOnAfter(ctx, time.Second, func(ctx context.Context) error {
					_, err := sc.Start(ctx, n, "slow", func(ctx context.Context, started func(int)) error {
						return sc.SleepForever(ctx)
					})
					if !errors.Is(err, sc.ErrCancelled) {
						return fmt.Errorf("got %v, want cancelled", err)
					}
					return err
				})
			})
		}, mock())
		if err != nil {
			t.Fatal(err)
		}
	})
}

// A task that calls started from inside its own cancel scope moves, scope
// and all, into the target nursery: cancelling that nursery reaches it,
// and cancelling the caller's scope afterwards does not.
func TestStartMovesNestedScopes(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var childErr error
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				err := sc.OpenCancelScope(ctx, func(ctx context.Context, caller *sc.CancelScope) error {
					_, err := sc.Start(ctx, n, "mover", func(ctx context.Context, started func(struct{})) error {
						return sc.OpenCancelScope(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
							started(struct{}{})
							childErr = sc.Sleep(ctx, time.Hour)
							return childErr
						})
					})
					caller.Cancel() // the task has left the caller's scope
					return err
				})
				if err != nil {
					return err
				}
				if err := sc.Sleep(ctx, time.Second); err != nil {
					return err
				}
				if childErr != nil {
					return fmt.Errorf("moved task saw the caller's cancel: %v", childErr)
				}
				n.CancelScope().Cancel()
				return nil
			})
		}, mock())
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(childErr, sc.ErrCancelled) {
			t.Fatalf("child = %v, want cancelled by the target nursery", childErr)
		}
	})
}
