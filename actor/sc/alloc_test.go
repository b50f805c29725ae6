package sc_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// The hot paths allocate nothing in steady state: a checkpoint, a sleep,
// an event wait, a channel hand-off between two tasks, an inbox put and
// receive, a run value read.
func TestHotPathsDoNotAllocate(t *testing.T) {
	key := sc.NewKey[int]("k")
	err := sc.Run(func(ctx context.Context) error {
		tx, rx := sc.NewChannel[int](0)
		in := sc.NewInbox[int](runnerOf(ctx), 4)
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			var ev sc.Event
			n.StartSoon("echo", func(ctx context.Context) error {
				for {
					v, err := rx.Receive(ctx)
					if err != nil {
						return nil
					}
					if err := in.Put(v); err != nil {
						return err
					}
				}
			})
			n.StartSoon("setter", func(ctx context.Context) error {
				for {
					if err := sc.Sleep(ctx, time.Second); err != nil {
						return nil
					}
					ev.Set()
					ev = sc.Event{}
				}
			})
			paths := []struct {
				name string
				fn   func() error
			}{
				{"Checkpoint", func() error { return sc.Checkpoint(ctx) }},
				{"Sleep", func() error { return sc.Sleep(ctx, time.Millisecond) }},
				{"Event.Wait", func() error { return ev.Wait(ctx) }},
				{"channel hand-off and inbox", func() error {
					if err := tx.Send(ctx, 1); err != nil {
						return err
					}
					_, err := in.Receive(ctx)
					return err
				}},
				{"Key.Value", func() error {
					if _, ok := key.Value(ctx); !ok {
						return fmt.Errorf("no value")
					}
					return nil
				}},
			}
			for _, p := range paths {
				var err error
				p.fn() // warm up: pools and buffers reach their working size
				if allocs := testing.AllocsPerRun(200, func() {
					if e := p.fn(); e != nil {
						err = e
					}
				}); allocs != 0 {
					return fmt.Errorf("%s: %v allocations per call", p.name, allocs)
				}
				if err != nil {
					return fmt.Errorf("%s: %w", p.name, err)
				}
			}
			n.CancelScope().Cancel()
			return tx.Close()
		})
	}, sc.WithClock(sc.NewMockClock(true)), sc.WithValue(key, 1))
	if err != nil {
		t.Fatal(err)
	}
}
