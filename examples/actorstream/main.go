// Command actorstream shows a parent and a child actor streaming both
// ways over one context: the parent sends numbers, the child squares them
// and streams them back, then returns how many it served.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/hitchrt/hitch/actor"
)

// squarer serves one context: started, then a square for every number it
// receives, until the parent closes its side.
var squarer = actor.ContextFunc("squarer", func(ctx context.Context, c *actor.Context[string, int], _ int) (int, error) {
	if err := c.Started(ctx, "ready to square"); err != nil {
		return 0, err
	}
	s, err := c.OpenStream(ctx, false)
	if err != nil {
		return 0, err
	}
	n := 0
	for v, err := range s.All(ctx) {
		if err != nil {
			return n, err
		}
		if err := s.Send(ctx, v*v); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
})

func main() {
	actor.ChildMain()
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "squarer")
			if err != nil {
				return err
			}
			served, err := squarer.Open(ctx, p, 0, func(ctx context.Context, c *actor.Context[string, int], first string) error {
				fmt.Println("child says:", first)
				s, err := c.OpenStream(ctx, false)
				if err != nil {
					return err
				}
				for i := 1; i <= 5; i++ {
					if err := s.Send(ctx, i); err != nil {
						return err
					}
					sq, err := s.Receive(ctx)
					if err != nil {
						return err
					}
					fmt.Printf("%d squared is %d\n", i, sq)
				}
				return s.Close(ctx)
			})
			if err != nil {
				return err
			}
			fmt.Println("child served", served)
			return p.CancelActor(ctx)
		})
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "%+v\n", err)
		os.Exit(1)
	}
}
