// Command actorsiblings shows two sibling actors finding each other by
// name through the tree's registry, whatever order they start in: alice
// waits for bob before bob even exists.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
)

var (
	hello = actor.Func("hello", func(ctx context.Context, from string) (string, error) {
		a, err := actor.Current(ctx)
		if err != nil {
			return "", err
		}
		return a.Name() + " says hello to " + from, nil
	})

	// greet waits for the named actor and says hello to it.
	greet = actor.Func("greet", func(ctx context.Context, name string) (string, error) {
		p, err := actor.WaitForActor(ctx, name)
		if err != nil {
			return "", err
		}
		a, _ := actor.Current(ctx)
		return hello.Run(ctx, p, a.Name())
	})
)

func main() {
	actor.ChildMain()
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			alice, err := n.StartActor(ctx, "alice")
			if err != nil {
				return err
			}
			err = sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
				sn.StartSoon("alice greets bob", func(ctx context.Context) error {
					reply, err := greet.Run(ctx, alice, "bob")
					fmt.Println(reply)
					return err
				})
				bob, err := n.StartActor(ctx, "bob")
				if err != nil {
					return err
				}
				reply, err := greet.Run(ctx, bob, "alice")
				fmt.Println(reply)
				return err
			})
			if err != nil {
				return err
			}
			return n.Cancel(ctx)
		})
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "%+v\n", err)
		os.Exit(1)
	}
}
