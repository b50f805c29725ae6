package sc_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// A nursery runs two workers; the slow one is cut off by a deadline. The
// virtual clock makes the hour-long sleep instant.
func Example() {
	err := sc.Run(func(ctx context.Context) error {
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("fast", func(ctx context.Context) error {
				if err := sc.Sleep(ctx, time.Second); err != nil {
					return err
				}
				fmt.Println("fast done")
				return nil
			})
			n.StartSoon("slow", func(ctx context.Context) error {
				err := sc.FailAfter(ctx, 5*time.Second, func(ctx context.Context) error {
					return sc.Sleep(ctx, time.Hour)
				})
				fmt.Println("slow:", err != nil && errors.Is(err, sc.ErrTooSlow))
				return nil
			})
			return nil
		})
	}, sc.WithClock(sc.NewMockClock(true)))
	fmt.Println("run:", err)
	// Output:
	// fast done
	// slow: true
	// run: <nil>
}

// Memory channels connect a producer and a consumer; closing the send end
// ends the consumer's loop once the buffer is drained.
func ExampleNewChannel() {
	err := sc.Run(func(ctx context.Context) error {
		tx, rx := sc.NewChannel[string](1)
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("producer", func(ctx context.Context) error {
				defer tx.Close()
				for _, w := range []string{"hello", "structured", "world"} {
					if err := tx.Send(ctx, w); err != nil {
						return err
					}
				}
				return nil
			})
			for {
				w, err := rx.Receive(ctx)
				if errors.Is(err, sc.ErrEndOfChannel) {
					return nil
				}
				if err != nil {
					return err
				}
				fmt.Println(w)
			}
		})
	})
	fmt.Println("run:", err)
	// Output:
	// hello
	// structured
	// world
	// run: <nil>
}
