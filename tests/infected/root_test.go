//go:build unix

package infected_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/infected"
	"github.com/hitchrt/hitch/loop"
)

// runInfectedRoot runs, as a program would, loop.Run whose main task runs
// the root actor as its guest; the root is infected, starts a native
// child, and echoes rounds values through a host task, failing with
// failAt at that round (when not negative). It returns the rounds done and
// loop.Run's error.
func runInfectedRoot(t *testing.T, rounds, failAt int, failure error) (int, error) {
	done := 0
	err := loop.Run(func(ctx context.Context) error {
		_, err := bridge.RunGuest(ctx, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, actor.OpenRoot(ctx, func(ctx context.Context, a *actor.Actor) error {
				if !a.Infected() || !a.Vars().Infected {
					t.Errorf("the root opened with infected.Mode does not say it is infected")
				}
				err := actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
					p, err := n.StartActor(ctx, "native")
					if err != nil {
						return err
					}
					if w, err := witness.Run(ctx, p, 0); err != nil || !w.all(false) {
						t.Errorf("child of an infected root: %+v, %v; want it native", w, err)
					}
					return p.CancelActor(ctx)
				})
				if err != nil {
					return err
				}
				return infected.OpenChannelFrom(ctx, echoHost(0), func(ctx context.Context, ch *bridge.GuestEnd[int, int], _ int) error {
					for i := range rounds {
						if i == failAt {
							return failure
						}
						if err := ch.Send(ctx, i); err != nil {
							return err
						}
						v, err := ch.Receive(ctx)
						if err != nil {
							return err
						}
						if v != i {
							return fmt.Errorf("round %d echoed %d", i, v)
						}
						done++
					}
					return nil
				})
			}, infected.Mode(), quiet(t))
		})
		return err
	})
	return done, err
}

// An infected root: the program's host loop runs the root actor as its
// guest; 1000 echo rounds with a host task, then a clean return; an error
// raised at round 500 comes out of loop.Run as that error.
func TestInfectedRoot(t *testing.T) {
	done, err := runInfectedRoot(t, 1000, -1, nil)
	if err != nil || done != 1000 {
		t.Fatalf("1000 rounds: %d done, %v", done, err)
	}
	boom := errors.New("round 500 fails")
	done, err = runInfectedRoot(t, 1000, 500, boom)
	if !errors.Is(err, boom) || done != 500 {
		t.Fatalf("failing at round 500: %d done, %v; want 500 and that error", done, err)
	}
}

// infected.Mode on a root that is not a host loop's guest is refused.
func TestInfectedRootNotAGuest(t *testing.T) {
	err := actor.Run(func(context.Context, *actor.Actor) error {
		t.Error("the root ran")
		return nil
	}, infected.Mode(), quiet(t))
	if !errors.Is(err, infected.ErrNotInfected) {
		t.Fatalf("OpenRoot with infected.Mode under sc.Run: %v, want ErrNotInfected", err)
	}
}
