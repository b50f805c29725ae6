//go:build unix

package spawn_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/tests/internal/proccheck"
)

// A child serves a registered function: the value comes back; an error in
// it comes back as a RemoteActorError with its type, source and stack.
func TestPortalRun(t *testing.T) {
	var childPID int
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "server")
			if err != nil {
				return err
			}
			childPID = p.PID()
			if got, err := echo.Run(ctx, p, "hello"); err != nil || got != "hello" {
				t.Errorf("echo = %q, %v; want hello", got, err)
			}
			if got, err := pid.Run(ctx, p, 0); err != nil || got != childPID {
				t.Errorf("pid = %d, %v; want the child's %d", got, err, childPID)
			}
			if got, err := p.Run(ctx, "spawn.echo", "untyped"); err != nil || got != "untyped" {
				t.Errorf("untyped echo = %v, %v", got, err)
			}

			_, err = fail.Run(ctx, p, "kaput")
			var rae *actor.RemoteActorError
			if !errors.As(err, &rae) {
				t.Fatalf("fail: %v (%T), want a RemoteActorError", err, err)
			}
			if rae.SrcTypeName != "spawn_test.boomError" || rae.Src.Name != "server" || !strings.Contains(rae.Message, "boom: kaput") {
				t.Errorf("fail: type %q src %v message %q", rae.SrcTypeName, rae.Src, rae.Message)
			}
			if !strings.Contains(rae.StackText, "goroutine") {
				t.Errorf("fail: no remote stack text:\n%+v", rae)
			}
			if !errors.Is(err, msg.ErrRemote) {
				t.Errorf("fail: %v does not match msg.ErrRemote", err)
			}

			_, err = p.Run(ctx, "spawn.nobody", 1)
			if !errors.Is(err, actor.ErrNoEndpoint) || !errors.As(err, &rae) {
				t.Errorf("unregistered name: %v, want a RemoteActorError matching ErrNoEndpoint", err)
			}
			var ne *actor.NoEndpointError
			if errors.As(err, &ne) && ne.Func != "spawn.nobody" {
				t.Errorf("unregistered name: NoEndpointError names %q", ne.Func)
			}

			// A typed call whose argument the endpoint's spec refuses.
			_, err = p.Run(ctx, "spawn.echo", 42)
			if !errors.Is(err, msg.ErrMsgType) {
				t.Errorf("wrong argument type: %v, want a MsgTypeError", err)
			}
			return p.CancelActor(ctx)
		})
	}, quiet(t))
	if err != nil {
		t.Fatal(err)
	}
	if proccheck.Alive(childPID) {
		t.Errorf("child %d still alive after the nursery", childPID)
	}
}

// Actor calls need a runtime: without one they say so.
func TestNoRuntime(t *testing.T) {
	if _, err := actor.Current(context.Background()); !errors.Is(err, actor.ErrNoRuntime) {
		t.Errorf("Current without a runtime: %v, want ErrNoRuntime", err)
	}
	err := actor.OpenNursery(context.Background(), func(context.Context, *actor.Nursery) error { return nil })
	if !errors.Is(err, actor.ErrNoRuntime) {
		t.Errorf("OpenNursery without a runtime: %v, want ErrNoRuntime", err)
	}
}

// Options a function cannot honour, and bad values, are errors.
func TestOptionErrors(t *testing.T) {
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error { return nil }, actor.WithToken(nil))
	if err == nil || !strings.Contains(err.Error(), "WithToken") {
		t.Errorf("empty token: %v", err)
	}
	err = actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			_, err := n.StartActor(ctx, "x", actor.WithToken([]byte("t")))
			return err
		})
	})
	if err == nil || !strings.Contains(err.Error(), "WithToken") || !strings.Contains(err.Error(), "StartActor") {
		t.Errorf("token on StartActor: %v", err)
	}
	err = actor.Run(func(ctx context.Context, a *actor.Actor) error { return nil }, actor.WithKillGrace(-1))
	if err == nil || !strings.Contains(err.Error(), "WithKillGrace") {
		t.Errorf("negative grace: %v", err)
	}
}

// One process, one actor.
func TestSecondRoot(t *testing.T) {
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenRoot(ctx, func(context.Context, *actor.Actor) error { return nil })
	})
	if !errors.Is(err, actor.ErrRuntimeExists) {
		t.Errorf("nested root: %v, want ErrRuntimeExists", err)
	}
}

// The actor belongs to the run it runs in: every task of that run finds
// it while it runs, including one started outside OpenRoot, and none does
// once it has ended.
func TestCurrentIsTheRunsActor(t *testing.T) {
	err := sc.Run(func(ctx context.Context) error {
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			var up, seen sc.Event
			var root *actor.Actor
			n.StartSoon("sibling", func(ctx context.Context) error {
				if err := up.Wait(ctx); err != nil {
					return err
				}
				if a, err := actor.Current(ctx); err != nil || a != root {
					t.Errorf("Current from a sibling task: %v, %v; want the root", a, err)
				}
				seen.Set()
				return nil
			})
			err := actor.OpenRoot(ctx, func(ctx context.Context, a *actor.Actor) error {
				root = a
				up.Set()
				return seen.Wait(ctx)
			})
			if err != nil {
				return err
			}
			if _, err := actor.Current(ctx); !errors.Is(err, actor.ErrNoRuntime) {
				t.Errorf("Current after the root ended: %v, want ErrNoRuntime", err)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}
