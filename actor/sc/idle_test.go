package sc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// WaitAllTasksBlocked returns once every other task has blocked; work in
// a ToGoroutine goroutine does not count; shorter cushions wake first.
func TestWaitAllTasksBlocked(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			var order []string
			var ev sc.Event
			release := make(chan struct{})
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				parked := 0
				for i := range 3 {
					n.StartSoon(fmt.Sprint("worker", i), func(ctx context.Context) error {
						for range 5 * (i + 1) {
							if err := sc.Checkpoint(ctx); err != nil {
								return err
							}
						}
						parked++
						return ev.Wait(ctx)
					})
				}
				n.StartSoon("offloader", func(ctx context.Context) error {
					return sc.ToGoroutine(ctx, func(context.Context) error {
						<-release // still running when the waiters wake
						return nil
					}, false)
				})
				n.StartSoon("slow waiter", func(ctx context.Context) error {
					if err := sc.WaitAllTasksBlocked(ctx, 20*time.Millisecond); err != nil {
						return err
					}
					order = append(order, "slow")
					return nil
				})
				if err := sc.WaitAllTasksBlocked(ctx, 0); err != nil {
					return err
				}
				order = append(order, "fast")
				if parked != 3 {
					return fmt.Errorf("woke with %d of 3 workers parked", parked)
				}
				// The slow waiter wakes once everything is blocked again.
				if err := sc.WaitAllTasksBlocked(ctx, 40*time.Millisecond); err != nil {
					return err
				}
				if fmt.Sprint(order) != "[fast slow]" {
					return fmt.Errorf("order %v", order)
				}
				close(release)
				ev.Set()
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// WaitAllTasksBlocked is a checkpoint: cancellation ends it.
func TestWaitAllTasksBlockedCancelled(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				var got error
				var s sc.CancelScope
				n.StartSoon("waiter", func(ctx context.Context) error {
					return s.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
						got = sc.WaitAllTasksBlocked(ctx, time.Hour)
						return got
					})
				})
				if err := sc.Checkpoint(ctx); err != nil {
					return err
				}
				s.Cancel()
				if err := sc.Checkpoint(ctx); err != nil {
					return err
				}
				if !errors.Is(got, sc.ErrCancelled) {
					return fmt.Errorf("got %v", got)
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// The autojump threshold can change while the run is live; a cushion
// shorter than the threshold wakes before the clock jumps.
func TestMockClockAutojumpThreshold(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		clock := sc.NewMockClock(false)
		if clock.AutojumpThreshold() >= 0 {
			t.Fatal("autojump on for NewMockClock(false)")
		}
		clock.SetAutojumpThreshold(time.Hour) // real time: never reached here
		start := clock.Now()
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("sleeper", func(ctx context.Context) error {
					return sc.Sleep(ctx, time.Minute)
				})
				if err := sc.WaitAllTasksBlocked(ctx, 0); err != nil {
					return err
				}
				if !clock.Now().Equal(start) {
					return errors.New("the clock jumped before the shorter cushion")
				}
				// Lower the threshold from a plain goroutine while every
				// task is blocked: the clock then jumps to the sleeper's
				// deadline.
				err := sc.ToGoroutine(ctx, func(context.Context) error {
					clock.SetAutojumpThreshold(time.Millisecond)
					return nil
				}, false)
				if err != nil {
					return err
				}
				return nil
			})
		}, sc.WithClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		if got := clock.Now().Sub(start); got != time.Minute {
			t.Fatalf("virtual time moved %v, want 1m", got)
		}
	})
}
