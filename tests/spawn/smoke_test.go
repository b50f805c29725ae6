package spawn_test

import (
	"context"
	"testing"

	"github.com/hitchrt/hitch/actor"
)

var echo = actor.Func("spawn.echo", func(ctx context.Context, s string) (string, error) { return s, nil })

func TestSmoke(t *testing.T) {
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "echoer")
			if err != nil {
				return err
			}
			got, err := echo.Run(ctx, p, "hi")
			if err != nil {
				return err
			}
			t.Logf("got %q", got)
			return p.CancelActor(ctx)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}
