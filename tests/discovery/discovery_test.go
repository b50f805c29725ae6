//go:build unix

package discovery_test

import (
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
)

var (
	whoami = actor.Func("discovery.whoami", func(ctx context.Context, _ int) (string, error) {
		a, err := actor.Current(ctx)
		if err != nil {
			return "", err
		}
		return a.Name(), nil
	})

	// callPeer waits for an actor of the given name and asks it who it is.
	callPeer = actor.Func("discovery.callPeer", func(ctx context.Context, name string) (string, error) {
		p, err := actor.WaitForActor(ctx, name)
		if err != nil {
			return "", err
		}
		return whoami.Run(ctx, p, 0)
	})
)

func quiet() actor.Option {
	if testing.Verbose() {
		return actor.WithChildOutput(os.Stderr)
	}
	return actor.WithChildOutput(io.Discard)
}

// Without a runtime, lookups say so.
func TestNoRuntime(t *testing.T) {
	if _, err := actor.FindActor(context.Background(), "root"); !errors.Is(err, actor.ErrNoRuntime) {
		t.Errorf("FindActor: %v, want ErrNoRuntime", err)
	}
	err := sc.Run(func(ctx context.Context) error {
		_, err := actor.WaitForActor(ctx, "root")
		return err
	})
	if !errors.Is(err, actor.ErrNoRuntime) {
		t.Errorf("WaitForActor in a run with no actor: %v, want ErrNoRuntime", err)
	}
}

// The root is the registry; looking itself up returns at once, a local
// portal whose calls run in place.
func TestRootFindsItself(t *testing.T) {
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		p, err := actor.WaitForActor(ctx, "root")
		if err != nil {
			return err
		}
		if !p.IsLocal() || p.Peer() != a.ID() {
			t.Errorf("portal to %v (local %v), want the root itself", p.Peer(), p.IsLocal())
		}
		if got, err := whoami.Run(ctx, p, 0); err != nil || got != "root" {
			t.Errorf("whoami = %q, %v", got, err)
		}
		if _, err := actor.FindActor(ctx, "nobody"); !errors.Is(err, actor.ErrActorNotFound) {
			t.Errorf("FindActor(nobody): %v, want ErrActorNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A child is found by name while it lives and not after it is cancelled;
// two siblings find each other by name whatever their start order.
func TestSiblingsFindEachOther(t *testing.T) {
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			alice, err := n.StartActor(ctx, "alice")
			if err != nil {
				return err
			}
			var got string
			err = sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
				// alice waits for bob, who does not exist yet.
				sn.StartSoon("alice calls bob", func(ctx context.Context) error {
					var err error
					got, err = callPeer.Run(ctx, alice, "bob")
					return err
				})
				bob, err := n.StartActor(ctx, "bob")
				if err != nil {
					return err
				}
				// bob finds alice through the registry.
				back, err := callPeer.Run(ctx, bob, "alice")
				if err != nil || back != "alice" {
					t.Errorf("bob's call of alice = %q, %v", back, err)
				}
				found, err := actor.FindActor(ctx, "bob")
				if err != nil || found.Peer() != bob.Peer() {
					t.Errorf("FindActor(bob) = %v, %v; want %v", found, err, bob.Peer())
				}
				return nil
			})
			if err != nil {
				return err
			}
			if got != "bob" {
				t.Errorf("alice's call of bob = %q", got)
			}
			if err := n.Cancel(ctx); err != nil {
				return err
			}
			if _, err := actor.FindActor(ctx, "bob"); !errors.Is(err, actor.ErrActorNotFound) {
				t.Errorf("FindActor(bob) after cancel: %v, want ErrActorNotFound", err)
			}
			return nil
		})
	}, quiet())
	if err != nil {
		t.Fatal(err)
	}
}

// runOff runs blocking work on a goroutine, parking the task meanwhile.
func runOff(ctx context.Context, fn func() error) error {
	return sc.ToGoroutine(ctx, func(context.Context) error { return fn() }, false)
}
