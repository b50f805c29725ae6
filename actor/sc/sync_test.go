package sc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// K6: waiters acquire in arrival order; release by a non-owner fails and
// leaves the lock held.
func TestLockFIFOAndOwner(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var order []string
		var l sc.Lock
		err := run(func(ctx context.Context) error {
			if err := l.Acquire(ctx); err != nil {
				return err
			}
			err := sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				for i, name := range []string{"w1", "w2", "w3"} {
					n.StartSoon(name, func(ctx context.Context) error {
						// Arrive in order w1, w2, w3.
						if err := sc.Sleep(ctx, time.Duration(i+1)*time.Second); err != nil {
							return err
						}
						if err := l.Acquire(ctx); err != nil {
							return err
						}
						order = append(order, name)
						if err := sc.Checkpoint(ctx); err != nil {
							return err
						}
						return l.Release(ctx)
					})
				}
				n.StartSoon("thief", func(ctx context.Context) error {
					if err := sc.Sleep(ctx, 5*time.Second); err != nil {
						return err
					}
					err := l.Release(ctx)
					if !errors.Is(err, sc.ErrNotOwner) {
						return fmt.Errorf("non-owner release: %v", err)
					}
					if !l.Locked() || l.Owner().Name() != "main" {
						return fmt.Errorf("lock not held by main after a failed release: %v", l.Owner())
					}
					return nil
				})
				if err := sc.Sleep(ctx, 10*time.Second); err != nil {
					return err
				}
				return l.Release(ctx)
			})
			return err
		}, mock())
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(order) != "[w1 w2 w3]" {
			t.Fatalf("order = %v", order)
		}
	})
}

func TestSemaphoreFIFO(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		sem := sc.NewSemaphore(2)
		var active, peak int
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				for i := range 6 {
					n.StartSoon(fmt.Sprint("w", i), func(ctx context.Context) error {
						if err := sem.Acquire(ctx); err != nil {
							return err
						}
						defer sem.Release()
						active++
						peak = max(peak, active)
						err := sc.Sleep(ctx, time.Second)
						active--
						return err
					})
				}
				return nil
			})
		}, mock())
		if err != nil || peak != 2 || sem.Value() != 2 {
			t.Fatalf("err = %v, peak = %d, value = %d", err, peak, sem.Value())
		}
	})
}

// An Event wakes every waiter; Wait on a set event is a checkpoint.
func TestEvent(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		woke := 0
		err := run(func(ctx context.Context) error {
			var ev sc.Event
			err := sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				for i := range 3 {
					n.StartSoon(fmt.Sprint("waiter", i), func(ctx context.Context) error {
						if err := ev.Wait(ctx); err != nil {
							return err
						}
						woke++
						return nil
					})
				}
				if err := sc.Sleep(ctx, time.Second); err != nil {
					return err
				}
				ev.Set()
				ev.Set()
				return nil
			})
			if err != nil {
				return err
			}
			if !ev.IsSet() {
				return errors.New("not set")
			}
			return ev.Wait(ctx)
		}, mock())
		if err != nil || woke != 3 {
			t.Fatalf("err = %v, woke = %d", err, woke)
		}
	})
}
