// Command actortree shows an error crossing two process boundaries: the
// root calls a middle actor, which calls a leaf, which fails. The root
// gets a RemoteActorError whose relay path names the leaf, then the
// middle; %+v renders the whole story.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/hitchrt/hitch/actor"
)

var (
	// leafWork fails.
	leafWork = actor.Func("leafWork", func(ctx context.Context, what string) (string, error) {
		return "", errors.New("the leaf cannot " + what)
	})

	// delegate starts a leaf and hands it the work.
	delegate = actor.Func("delegate", func(ctx context.Context, what string) (string, error) {
		var out string
		err := actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			leaf, err := n.StartActor(ctx, "leaf")
			if err != nil {
				return err
			}
			out, err = leafWork.Run(ctx, leaf, what)
			return err
		})
		return out, err
	})
)

func main() {
	actor.ChildMain()
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			mid, err := n.StartActor(ctx, "middle")
			if err != nil {
				return err
			}
			_, err = delegate.Run(ctx, mid, "divide by zero")
			return err
		})
	})
	var rae *actor.RemoteActorError
	if !errors.As(err, &rae) {
		fmt.Println("unexpected outcome:", err)
		os.Exit(1)
	}
	fmt.Println("the tree failed as expected:")
	fmt.Printf("%+v\n", rae)
}
