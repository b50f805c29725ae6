package sc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// blockingOps lists every blocking sc call, each set up so that, in a task
// that is not cancelled, it would either return at once or block. make is
// called once per run, inside the main task, and returns the call.
var blockingOps = []struct {
	name string
	make func(ctx context.Context) func(ctx context.Context) error
}{
	{"Checkpoint", func(context.Context) func(context.Context) error { return sc.Checkpoint }},
	{"Sleep(0)", func(context.Context) func(context.Context) error {
		return func(ctx context.Context) error { return sc.Sleep(ctx, 0) }
	}},
	{"Sleep", func(context.Context) func(context.Context) error {
		return func(ctx context.Context) error { return sc.Sleep(ctx, time.Hour) }
	}},
	{"SleepUntil", func(context.Context) func(context.Context) error {
		return func(ctx context.Context) error { return sc.SleepUntil(ctx, sc.Now(ctx).Add(time.Hour)) }
	}},
	{"SleepForever", func(context.Context) func(context.Context) error { return sc.SleepForever }},
	{"Event.Wait/unset", func(context.Context) func(context.Context) error {
		var ev sc.Event
		return ev.Wait
	}},
	{"Event.Wait/set", func(context.Context) func(context.Context) error {
		var ev sc.Event
		ev.Set()
		return ev.Wait
	}},
	{"Lock.Acquire/free", func(context.Context) func(context.Context) error {
		var l sc.Lock
		return l.Acquire
	}},
	{"Semaphore.Acquire/free", func(context.Context) func(context.Context) error {
		return sc.NewSemaphore(1).Acquire
	}},
	{"Semaphore.Acquire/empty", func(context.Context) func(context.Context) error {
		return sc.NewSemaphore(0).Acquire
	}},
	{"Send/room", func(context.Context) func(context.Context) error {
		tx, _ := sc.NewChannel[int](1)
		return func(ctx context.Context) error { return tx.Send(ctx, 1) }
	}},
	{"Send/full", func(context.Context) func(context.Context) error {
		tx, _ := sc.NewChannel[int](0)
		return func(ctx context.Context) error { return tx.Send(ctx, 1) }
	}},
	{"Receive/empty", func(context.Context) func(context.Context) error {
		_, rx := sc.NewChannel[int](0)
		return func(ctx context.Context) error { _, err := rx.Receive(ctx); return err }
	}},
	{"Receive/buffered", func(ctx context.Context) func(context.Context) error {
		tx, rx := sc.NewChannel[int](1)
		tx.Send(ctx, 1)
		return func(ctx context.Context) error { _, err := rx.Receive(ctx); return err }
	}},
	{"ToGoroutine", func(context.Context) func(context.Context) error {
		return func(ctx context.Context) error {
			return sc.ToGoroutine(ctx, func(context.Context) error { return nil }, false)
		}
	}},
}

// pollLimit bounds how often a cancelled task polls before the test calls
// it starved (with the rule broken it would poll forever).
const pollLimit = 10_000

// The schedule point comes before the cancel point: a cancelled task that
// polls a blocking call in its cleanup, waiting for a flag, lets its
// sibling run and set the flag; under a guest driver the host's own
// callbacks run meanwhile too.
func TestCancelledPollDoesNotStarve(t *testing.T) {
	for _, op := range blockingOps {
		t.Run(op.name, func(t *testing.T) {
			runAll(t, func(t *testing.T, run runFunc) {
				var polls int
				err := run(func(ctx context.Context) error {
					call := op.make(ctx)
					var siblingDone, hostRan bool
					if !hostPost(ctx, func() { hostRan = true }) {
						hostRan = true // native: no host to wait for
					}
					return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
						n.StartSoon("sibling", func(ctx context.Context) error {
							for range 3 {
								if err := sc.Checkpoint(ctx); err != nil {
									return err
								}
							}
							siblingDone = true
							return nil
						})
						return sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
							s.Cancel()
							for !siblingDone || !hostRan {
								if polls++; polls > pollLimit {
									return fmt.Errorf("starved: sibling done %v, host callback ran %v after %d polls", siblingDone, hostRan, pollLimit)
								}
								if err := call(ctx); !errors.Is(err, sc.ErrCancelled) {
									return fmt.Errorf("poll %d: %v, want ErrCancelled", polls, err)
								}
							}
							return nil
						})
					})
				})
				if err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// A cancelled call reports the cancellation once it runs again, but if
// the cancellation is lifted while it lets the others run (a sibling turns
// a shield on), the call goes on as if it had never been cancelled.
func TestCancelLiftedDuringSchedulePoint(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			var ev sc.Event
			var inner sc.CancelScope
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("setter", func(ctx context.Context) error {
					inner.SetShield(true) // runs while the waiter yields
					ev.Set()
					return nil
				})
				return sc.OpenCancelScope(ctx, func(ctx context.Context, outer *sc.CancelScope) error {
					outer.Cancel()
					return inner.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
						return ev.Wait(ctx) // cancelled at the call, shielded once it runs again
					})
				})
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
