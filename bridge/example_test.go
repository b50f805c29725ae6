package bridge_test

import (
	"context"
	"fmt"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/loop"
)

// A host task hands its loop to a guest run and waits for its value; the
// host loop keeps running its own callbacks meanwhile.
func ExampleRunGuest() {
	err := loop.Run(func(ctx context.Context) error {
		loop.FromContext(ctx).CallLater(time.Millisecond, func() { fmt.Println("host callback") })
		v, err := bridge.RunGuest(ctx, func(ctx context.Context) (string, error) {
			return "guest value", sc.Sleep(ctx, 10*time.Millisecond)
		})
		fmt.Println(v)
		return err
	})
	fmt.Println("err:", err)
	// Output:
	// host callback
	// guest value
	// err: <nil>
}

// Any loop that runs funcs on its goroutine can host a guest: here a
// channel of funcs, adapted in one line with HostFunc.
func ExampleStartGuestRun() {
	calls := make(chan func(), 16)
	host := bridge.HostFunc(func(fn func()) error { calls <- fn; return nil })
	finished := false
	_, err := bridge.StartGuestRun(host, func(ctx context.Context) (int, error) {
		return 6 * 7, sc.Checkpoint(ctx)
	}, func(o bridge.Outcome[int]) {
		fmt.Println("done:", o.Value, o.Err)
		finished = true
	}, bridge.WithSIGINT(false))
	if err != nil {
		panic(err)
	}
	for !finished { // the foreign loop
		(<-calls)()
	}
	// Output: done: 42 <nil>
}

// A guest task awaits a host task, then streams with another through a
// linked two-way channel.
func ExampleOpenChannelFrom() {
	err := loop.Run(func(ctx context.Context) error {
		_, err := bridge.RunGuest(ctx, func(ctx context.Context) (struct{}, error) {
			v, err := bridge.RunHostTask(ctx, func(ctx context.Context) (int, error) { return 41 + 1, nil })
			fmt.Println(v, err)
			err = bridge.OpenChannelFrom(ctx,
				func(ctx context.Context, ch *bridge.HostEnd[string, string]) error {
					ch.Started("ready")
					for {
						s, err := ch.Receive(ctx)
						if err != nil {
							return nil // the guest side left
						}
						ch.Send("echo: " + s)
					}
				},
				func(ctx context.Context, ch *bridge.GuestEnd[string, string], first string) error {
					ch.Send(ctx, "hi")
					s, err := ch.Receive(ctx)
					fmt.Println(first, s)
					return err
				})
			return struct{}{}, err
		})
		return err
	})
	fmt.Println("err:", err)
	// Output:
	// 42 <nil>
	// ready echo: hi
	// err: <nil>
}
