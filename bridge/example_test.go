package bridge_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/loop"
)

// Cancelling the host task that waits in RunGuest cancels the guest, whose
// cleanup runs (and may wait) before RunGuest returns.
func ExampleRunGuest() {
	err := loop.Run(func(ctx context.Context) error {
		host := loop.CurrentTask(ctx)
		host.Loop().CallLater(10*time.Millisecond, func() { host.Cancel() })
		n, err := bridge.RunGuest(ctx, func(ctx context.Context) (int, error) {
			err := sc.SleepForever(ctx)
			fmt.Println("guest:", err)
			sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
				s.SetShield(true) // cleanup that waits, shielded from the cancel
				return sc.Sleep(ctx, time.Millisecond)
			})
			fmt.Println("guest: cleaned up")
			return 1, err
		})
		fmt.Println("RunGuest:", n, errors.Is(err, loop.ErrCancelled))
		return nil
	})
	fmt.Println("err:", err)
	// Output:
	// guest: sc: cancelled
	// guest: cleaned up
	// RunGuest: 1 true
	// err: <nil>
}

// To quit a guest run early, cancel it and keep the host running until
// the done callback has fired.
func ExampleGuest_Cancel() {
	calls := make(chan func(), 16) // a foreign loop
	host := bridge.HostFunc(func(fn func()) error { calls <- fn; return nil })
	finished := false
	g, err := bridge.StartGuestRun(host, func(ctx context.Context) (string, error) {
		return "", sc.SleepForever(ctx)
	}, func(o bridge.Outcome[string]) {
		fmt.Println("done:", o.Err) // the root scope absorbed its own cancel
		finished = true
	}, bridge.WithSIGINT(false))
	if err != nil {
		panic(err)
	}
	g.Cancel()
	for !finished {
		(<-calls)()
	}
	// Output: done: <nil>
}

// A host task streams values to a guest task; when it returns, the guest's
// receives end with sc.ErrEndOfChannel, and OpenChannelFrom returns nil.
func ExampleOpenChannelFrom() {
	err := loop.Run(func(ctx context.Context) error {
		_, err := bridge.RunGuest(ctx, func(ctx context.Context) (int, error) {
			sum := 0
			err := bridge.OpenChannelFrom(ctx,
				func(ctx context.Context, ch *bridge.HostEnd[int, struct{}]) error {
					ch.Started(3) // how many follow
					for i := 1; i <= 3; i++ {
						ch.Send(i * 10)
					}
					return nil
				},
				func(ctx context.Context, ch *bridge.GuestEnd[int, struct{}], count int) error {
					for {
						v, err := ch.Receive(ctx)
						if err != nil {
							return err // sc.ErrEndOfChannel once the host returned
						}
						sum += v
					}
				})
			fmt.Println("sum:", sum, "err:", err)
			return sum, err
		})
		return err
	})
	fmt.Println("err:", err)
	// Output:
	// sum: 60 err: <nil>
	// err: <nil>
}
