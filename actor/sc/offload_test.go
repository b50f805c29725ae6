package sc_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hitchrt/hitch/actor/sc"
)

// K8: ToGoroutine runs blocking work without stalling other tasks.
func TestToGoroutineDoesNotStallOthers(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			release := make(chan struct{})
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("blocker", func(ctx context.Context) error {
					return sc.ToGoroutine(ctx, func(ctx context.Context) error {
						<-release // plain blocking work
						return nil
					}, false)
				})
				n.StartSoon("other", func(ctx context.Context) error {
					for range 10 {
						if err := sc.Checkpoint(ctx); err != nil {
							return err
						}
					}
					close(release) // only reachable if this task kept running
					return nil
				})
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// K8: on cancellation ToGoroutine waits for the work; with abandon it
// returns at once.
func TestToGoroutineCancellation(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var workDone bool
		err := run(func(ctx context.Context) error {
			return sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
				err := sc.ToGoroutine(ctx, func(gctx context.Context) error {
					// Cancel from inside the runner through the token.
					tk := sc.CurrentTask(gctx).Runner().Token()
					if err := tk.RunSync(func() error { s.Cancel(); return nil }); err != nil {
						return err
					}
					<-gctx.Done() // the goroutine sees the cancellation
					workDone = true
					return gctx.Err()
				}, false)
				if !workDone {
					return errors.New("ToGoroutine returned before the work finished")
				}
				if !errors.Is(err, sc.ErrCancelled) || !errors.Is(err, context.Canceled) {
					return fmt.Errorf("got %v", err)
				}
				return err
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	runAll(t, func(t *testing.T, run runFunc) {
		release := make(chan struct{})
		finished := make(chan struct{})
		err := run(func(ctx context.Context) error {
			return sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
				return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
					n.StartSoon("canceller", func(ctx context.Context) error {
						if err := sc.Checkpoint(ctx); err != nil {
							return err
						}
						s.Cancel()
						return nil
					})
					err := sc.ToGoroutine(ctx, func(context.Context) error {
						defer close(finished)
						<-release // ignores cancellation
						return nil
					}, true)
					if !errors.Is(err, sc.ErrCancelled) {
						return fmt.Errorf("abandoned: got %v", err)
					}
					return err
				})
			})
		})
		close(release)
		<-finished
		if err != nil {
			t.Fatal(err)
		}
	})
}

// K9: the token runs code inside the runner for a plain goroutine and
// returns its result; after the run it is a run-finished error.
func TestTokenFromPlainGoroutine(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var tok *sc.Token
		boom := errors.New("boom")
		gotSync := make(chan error, 1)
		gotRun := make(chan error, 1)
		err := run(func(ctx context.Context) error {
			tok = sc.CurrentTask(ctx).Runner().Token()
			var ev sc.Event
			go func() {
				gotSync <- tok.RunSync(func() error { ev.Set(); return nil })
				gotRun <- tok.Run(func(ctx context.Context) error {
					if err := sc.Checkpoint(ctx); err != nil {
						return err
					}
					return boom
				})
			}()
			if err := ev.Wait(ctx); err != nil {
				return err
			}
			// Keep the run alive until the token task is done.
			return sc.ToGoroutine(ctx, func(context.Context) error {
				if err := <-gotRun; err != boom {
					return fmt.Errorf("Token.Run returned %v", err)
				}
				return nil
			}, false)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := <-gotSync; err != nil {
			t.Fatal(err)
		}
		if err := tok.RunSync(func() error { return nil }); !errors.Is(err, sc.ErrRunFinished) {
			t.Fatalf("after the run: %v", err)
		}
		if err := tok.Run(func(context.Context) error { return nil }); !errors.Is(err, sc.ErrRunFinished) {
			t.Fatalf("after the run: %v", err)
		}
	})
}

// K10: a panic becomes an error with the value and the task's stack;
// siblings are cancelled; the process lives.
func TestPanicBecomesError(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var siblingErr error
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("sibling", func(ctx context.Context) error {
					siblingErr = sc.SleepForever(ctx)
					return siblingErr
				})
				n.StartSoon("crasher", func(ctx context.Context) error {
					if err := sc.Checkpoint(ctx); err != nil {
						return err
					}
					panicHere()
					return nil
				})
				return nil
			})
		})
		var pe *sc.PanicError
		if !errors.As(err, &pe) {
			t.Fatalf("got %v, want a *sc.PanicError inside", err)
		}
		if pe.Value != "kaboom" || !strings.Contains(pe.Error(), "crasher") {
			t.Fatalf("panic error = %v (value %v)", pe, pe.Value)
		}
		if !strings.Contains(string(pe.Stack), "panicHere") {
			t.Fatalf("stack lacks the panicking frame:\n%s", pe.Stack)
		}
		if !errors.Is(siblingErr, sc.ErrCancelled) {
			t.Fatalf("sibling: %v", siblingErr)
		}
	})
}

func panicHere() { panic("kaboom") }

// K11: blocking sc calls from outside the runner return a clear error.
func TestMisuseFromOutside(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		bg := context.Background()
		if err := sc.Sleep(bg, 1); !errors.Is(err, sc.ErrNotInTask) {
			t.Fatalf("Sleep(Background): %v", err)
		}
		var ev sc.Event
		if err := ev.Wait(bg); !errors.Is(err, sc.ErrNotInTask) {
			t.Fatalf("Wait(Background): %v", err)
		}
		var leaked context.Context
		fromGoroutine := make(chan error, 1)
		err := run(func(ctx context.Context) error {
			leaked = ctx
			return sc.ToGoroutine(ctx, func(context.Context) error {
				// The task is parked here, so its step is not running.
				go func() { fromGoroutine <- sc.Checkpoint(ctx) }()
				if err := <-fromGoroutine; !errors.Is(err, sc.ErrNotInTask) {
					return fmt.Errorf("Checkpoint from a goroutine: %v", err)
				}
				var l sc.Lock
				if err := l.Acquire(ctx); !errors.Is(err, sc.ErrNotInTask) {
					return fmt.Errorf("Acquire from a goroutine: %v", err)
				}
				return nil
			}, false)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = sc.Sleep(leaked, 1)
		if !errors.Is(err, sc.ErrNotInTask) || !strings.Contains(err.Error(), "main") {
			t.Fatalf("after the run: %v", err)
		}
	})
}
