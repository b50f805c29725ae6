//go:build unix

package actor_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/internal/spawnhook"
)

// This program installs no host loop: host-loop mode is refused before
// anything starts, on StartActor and on OpenRoot.
func TestHostLoopNotInstalled(t *testing.T) {
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			if _, err := n.StartActor(ctx, "child", actor.WithHostLoop()); !errors.Is(err, actor.ErrNoHostLoop) {
				t.Errorf("StartActor with WithHostLoop: %v, want ErrNoHostLoop", err)
			}
			return nil
		})
	}, actor.WithChildOutput(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	err = actor.Run(func(context.Context, *actor.Actor) error { return nil }, actor.WithHostLoop())
	if !errors.Is(err, actor.ErrNoHostLoop) {
		t.Errorf("OpenRoot with WithHostLoop: %v, want ErrNoHostLoop", err)
	}
}

// A child whose command line asks for host-loop mode in a program that
// installs no host loop refuses to boot before it connects: StartActor
// fails with its exit status 2 and its reason.
func TestChildWithoutHostLoopRefuses(t *testing.T) {
	spawnhook.SkewInfected.Store(true) // the flag without the option
	defer spawnhook.SkewInfected.Store(false)
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			_, err := n.StartActor(ctx, "child")
			var se *actor.SpawnError
			if !errors.As(err, &se) {
				t.Fatalf("StartActor: %v, want a *actor.SpawnError", err)
			}
			for _, want := range []string{"exit status 2", "refuses to boot", "InternalError", "no host loop is installed"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the spawn error lacks %q:\n%v", want, err)
				}
			}
			return nil
		})
	}, actor.WithChildOutput(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
}
