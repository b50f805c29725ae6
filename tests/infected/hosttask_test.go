//go:build unix

package infected_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/infected"
	"github.com/hitchrt/hitch/internal/progtest"
)

// runInfected runs body in a root with one infected child, named
// "infected", whose stderr goes to out, and returns the run's error. The
// child is stopped when body has returned, if it still runs.
func runInfected(out io.Writer, body func(ctx context.Context, a *actor.Actor, p *actor.Portal) error, opts ...actor.Option) error {
	return actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "infected", infected.Mode())
			if err != nil {
				return err
			}
			if err := body(ctx, a, p); err != nil {
				return err
			}
			return n.Cancel(ctx)
		})
	}, append(opts, capture(out)...)...)
}

// withInfected runs body with runInfected and fails the test on an error.
func withInfected(t *testing.T, body func(ctx context.Context, a *actor.Actor, p *actor.Portal) error) {
	t.Helper()
	if err := runInfected(childOutput(t), body); err != nil {
		t.Fatal(err)
	}
}

// A host task's error reaches the parent as a RemoteActorError of its type;
// a host task that cancels itself, as one of infected.HostCancelled that
// matches bridge.ErrHostCancelled.
func TestHostTaskErrorsReachParent(t *testing.T) {
	withInfected(t, func(ctx context.Context, _ *actor.Actor, p *actor.Portal) error {
		_, err := hostFail.Run(ctx, p, "boom")
		var rae *actor.RemoteActorError
		if !errors.As(err, &rae) || rae.SrcTypeName != "infected_test.hostError" || rae.Src != p.Peer() {
			t.Errorf("host error: %v, want a RemoteActorError of infected_test.hostError from the child", err)
		}
		_, err = hostFail.Run(ctx, p, "cancel")
		if !errors.As(err, &rae) || rae.SrcTypeName != "infected.HostCancelled" || !errors.Is(err, bridge.ErrHostCancelled) {
			t.Errorf("host self-cancel: %v, want a RemoteActorError of infected.HostCancelled matching bridge.ErrHostCancelled", err)
		}
		return nil
	})
}

// A guest timeout around a host task that runs forever ends quietly, with
// the host task ended; the tree then exits (the test's budget bounds it).
func TestGuestTimeoutAroundHostTask(t *testing.T) {
	withInfected(t, func(ctx context.Context, _ *actor.Actor, p *actor.Portal) error {
		got, err := hostTimeout.Run(ctx, p, 100)
		if err != nil || got != "moved on" {
			t.Errorf("hostTimeout = %q, %v; want it to move on", got, err)
		}
		return nil
	})
}

// The parent ends the child's work while the child's host task runs
// forever: by cancelling the context (no error; the outcome names the
// parent), by cancelling the child actor (a ContextCancelled naming the
// parent), or by a deadline on the whole nursery (the nursery ends, the
// child is gone).
func TestParentCancelsHostTask(t *testing.T) {
	t.Run("context", func(t *testing.T) {
		withInfected(t, func(ctx context.Context, a *actor.Actor, p *actor.Portal) error {
			var c0 *actor.Context[string, int]
			_, err := hostForever.Open(ctx, p, 0, func(ctx context.Context, c *actor.Context[string, int], _ string) error {
				c0 = c
				c.Cancel(ctx)
				return nil
			})
			var cc *actor.ContextCancelled
			if err != nil || !errors.As(c0.Outcome(), &cc) || cc.Canceller != a.ID() {
				t.Errorf("err %v, outcome %v; want nil and a ContextCancelled by the parent", err, c0.Outcome())
			}
			return nil
		})
	})
	t.Run("actor", func(t *testing.T) {
		withInfected(t, func(ctx context.Context, a *actor.Actor, p *actor.Portal) error {
			_, err := hostForever.Open(ctx, p, 0, func(ctx context.Context, c *actor.Context[string, int], _ string) error {
				return p.CancelActor(ctx)
			})
			var cc *actor.ContextCancelled
			if !errors.As(err, &cc) || cc.Canceller != a.ID() {
				t.Errorf("%v, want a ContextCancelled by the parent", err)
			}
			progtest.WaitGone(t, p.PID())
			return nil
		})
	})
	t.Run("nursery deadline", func(t *testing.T) {
		var pid int
		var started bool
		err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
			return sc.MoveOnAfter(ctx, msec(500), func(ctx context.Context) error {
				return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
					p, err := n.StartActor(ctx, "infected", infected.Mode())
					if err != nil {
						return err
					}
					pid = p.PID()
					_, err = hostForever.Open(ctx, p, 0, func(ctx context.Context, c *actor.Context[string, int], _ string) error {
						started = true
						return sc.SleepForever(ctx)
					})
					return err
				})
			})
		}, quiet(t))
		if err != nil || !started {
			t.Fatalf("nursery under a deadline: %v (started %v), want a quiet end", err, started)
		}
		progtest.WaitGone(t, pid)
	})
}

// Echo server: the child relays stream messages through a host task; 100
// echoes then a sentinel end both sides. An error raised in the parent
// mid-stream ends everything without a hang, and is the parent's error.
func TestEchoThroughHostTask(t *testing.T) {
	withInfected(t, func(ctx context.Context, _ *actor.Actor, p *actor.Portal) error {
		n, err := echo.Open(ctx, p, 0, func(ctx context.Context, c *actor.Context[string, string], ready string) error {
			if ready != "ready" {
				t.Errorf("started %q, want the host task's ready", ready)
			}
			s, err := c.OpenStream(ctx, false)
			if err != nil {
				return err
			}
			for i := range 100 {
				want := fmt.Sprint("ping ", i)
				if err := s.Send(ctx, want); err != nil {
					return err
				}
				if got, err := s.Receive(ctx); err != nil || got != want {
					return fmt.Errorf("echo %d: %q, %v", i, got, err)
				}
			}
			if err := s.Send(ctx, "stop"); err != nil {
				return err
			}
			if got, err := s.Receive(ctx); err != nil || got != "stop" {
				return fmt.Errorf("sentinel: %q, %v", got, err)
			}
			return nil
		})
		if err != nil || n != 100 {
			t.Errorf("echo: %d, %v; want 100 echoes", n, err)
		}
		return nil
	})

	errMid := errors.New("parent fails mid-stream")
	var pid int
	err := runInfected(childOutput(t), func(ctx context.Context, _ *actor.Actor, p *actor.Portal) error {
		pid = p.PID()
		_, err := echo.Open(ctx, p, 0, func(ctx context.Context, c *actor.Context[string, string], _ string) error {
			s, err := c.OpenStream(ctx, false)
			if err != nil {
				return err
			}
			for i := range 50 {
				if err := s.Send(ctx, fmt.Sprint(i)); err != nil {
					return err
				}
				if _, err := s.Receive(ctx); err != nil {
					return err
				}
			}
			return errMid
		})
		return err
	})
	if !errors.Is(err, errMid) {
		t.Fatalf("run: %v, want the parent's own error", err)
	}
	progtest.WaitGone(t, pid)
}
