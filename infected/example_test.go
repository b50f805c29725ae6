package infected_test

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/infected"
	"github.com/hitchrt/hitch/loop"
)

// hostDouble runs in an infected child: its guest task hands the work to a
// task on the child's host loop.
var hostDouble = actor.Func("example.hostDouble", func(ctx context.Context, n int) (string, error) {
	a, err := actor.Current(ctx)
	if err != nil {
		return "", err
	}
	v, err := infected.RunHostTask(ctx, func(ctx context.Context) (int, error) {
		if err := loop.Sleep(ctx, 0); err != nil { // a host task may await the loop
			return 0, err
		}
		return 2 * n, nil
	})
	flag := slices.Contains(os.Args, "-hitch-infected")
	return fmt.Sprintf("%d, infected: %v %v %v", v, a.Infected(), a.Vars().Infected, flag), err
})

// A parent starts an infected child and has a host task of the child's
// loop do the work.
func Example() {
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "doubler", infected.Mode())
			if err != nil {
				return err
			}
			s, err := hostDouble.Run(ctx, p, 21)
			if err != nil {
				return err
			}
			fmt.Println(s)
			return p.CancelActor(ctx)
		})
	})
	fmt.Println("error:", err)
	// Output:
	// 42, infected: true true true
	// error: <nil>
}
