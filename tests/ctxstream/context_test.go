//go:build unix

package ctxstream_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// withChild runs fn with a portal to a fresh child, then cancels it.
func withChild(t *testing.T, fn func(ctx context.Context, a *actor.Actor, p *actor.Portal) error) {
	t.Helper()
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "child")
			if err != nil {
				return err
			}
			if err := fn(ctx, a, p); err != nil {
				return err
			}
			return p.CancelActor(ctx)
		})
	}, quiet())
	if err != nil {
		t.Fatal(err)
	}
}

// Started then result.
func TestStartedAndResult(t *testing.T) {
	withChild(t, func(ctx context.Context, _ *actor.Actor, p *actor.Portal) error {
		var first int
		r, err := double.Open(ctx, p, 21, func(ctx context.Context, c *actor.Context[int, int], s int) error {
			first = s
			return nil
		})
		if err != nil || first != 21 || r != 42 {
			t.Errorf("Open = %d, %v (started %d); want 42 (started 21)", r, err, first)
		}
		return nil
	})
}

// The parent cancels the context: no error, the outcome names the parent.
// The parent cancels the whole actor instead: a ContextCancelled naming
// the parent is the error.
func TestParentCancels(t *testing.T) {
	withChild(t, func(ctx context.Context, a *actor.Actor, p *actor.Portal) error {
		var c0 *actor.Context[string, int]
		_, err := waitCancel.Open(ctx, p, 0, func(ctx context.Context, c *actor.Context[string, int], _ string) error {
			c0 = c
			c.Cancel(ctx)
			return nil
		})
		var cc *actor.ContextCancelled
		if err != nil || !errors.As(c0.Outcome(), &cc) || cc.Canceller != a.ID() {
			t.Errorf("context cancel: err %v, outcome %v; want nil and a ContextCancelled by the parent", err, c0.Outcome())
		}
		return nil
	})
	withChild(t, func(ctx context.Context, a *actor.Actor, p *actor.Portal) error {
		_, err := waitCancel.Open(ctx, p, 0, func(ctx context.Context, c *actor.Context[string, int], _ string) error {
			return p.CancelActor(ctx)
		})
		var cc *actor.ContextCancelled
		if !errors.As(err, &cc) || cc.Canceller != a.ID() {
			t.Errorf("actor cancel: %v, want a ContextCancelled by the parent", err)
		}
		return nil
	})
}

// The child cancels itself before started: the parent is told so.
func TestChildCancelsItself(t *testing.T) {
	withChild(t, func(ctx context.Context, _ *actor.Actor, p *actor.Portal) error {
		_, err := selfCancel.Open(ctx, p, 0, func(context.Context, *actor.Context[int, int], int) error {
			t.Error("body ran for a context that never started")
			return nil
		})
		var cc *actor.ContextCancelled
		if !errors.As(err, &cc) || cc.Canceller != p.Peer() {
			t.Errorf("got %v, want a ContextCancelled by the child itself", err)
		}
		return nil
	})
}

// Misuse in the child reaches the parent as a RemoteActorError; a context
// with oneself is refused.
func TestMisuse(t *testing.T) {
	withChild(t, func(ctx context.Context, a *actor.Actor, p *actor.Portal) error {
		_, err := startedTwice.Open(ctx, p, 0, func(context.Context, *actor.Context[int, int], int) error { return nil })
		var rae *actor.RemoteActorError
		if !errors.As(err, &rae) || rae.Src != p.Peer() {
			t.Errorf("started twice: %v, want the child's RemoteActorError", err)
		}
		_, err = streamEarly.Open(ctx, p, 0, func(context.Context, *actor.Context[int, int], int) error { return nil })
		if !errors.As(err, &rae) {
			t.Errorf("stream before started: %v, want a RemoteActorError", err)
		}
		self, err := actor.FindActor(ctx, a.Name())
		if err != nil {
			return err
		}
		_, err = double.Open(ctx, self, 1, func(context.Context, *actor.Context[int, int], int) error { return nil })
		if !errors.Is(err, actor.ErrContextUsage) {
			t.Errorf("context with oneself: %v, want ErrContextUsage", err)
		}
		return nil
	})
}

// Streams run both ways; the child ending its stream ends the parent's
// receive; reopening is an error.
func TestStreamBothWays(t *testing.T) {
	withChild(t, func(ctx context.Context, _ *actor.Actor, p *actor.Portal) error {
		r, err := echoStream.Open(ctx, p, 3, func(ctx context.Context, c *actor.Context[int, int], _ int) error {
			s, err := c.OpenStream(ctx, false)
			if err != nil {
				return err
			}
			if _, err := c.OpenStream(ctx, false); !errors.Is(err, actor.ErrContextUsage) {
				t.Errorf("second OpenStream: %v", err)
			}
			for i := range 5 {
				if err := s.Send(ctx, i); err != nil {
					return err
				}
				v, err := s.Receive(ctx)
				if err != nil || v != i+1000 {
					t.Errorf("echo of %d = %d, %v", i, v, err)
				}
			}
			if err := s.Close(ctx); err != nil {
				return err
			}
			var tail []int
			for v, err := range s.All(ctx) {
				if err != nil {
					return err
				}
				tail = append(tail, v)
			}
			if len(tail) != 3 || tail[2] != 2 {
				t.Errorf("after close: %v, want [0 1 2]", tail)
			}
			if _, err := s.Receive(ctx); !errors.Is(err, actor.ErrEndOfStream) {
				t.Errorf("receive after the end: %v", err)
			}
			return nil
		})
		if err != nil || r != 5 {
			t.Errorf("result %d, %v; want 5", r, err)
		}
		return nil
	})
}

// A parent that never reads while the child floods its stream past the
// mailbox: the child is told (its sends fail once the notice arrives) and
// the parent's context ends with the stream overrun, naming the sender.
// Allowing overruns on the slow side avoids it.
func TestOverrun(t *testing.T) {
	withChild(t, func(ctx context.Context, _ *actor.Actor, p *actor.Portal) error {
		_, err := flood.Open(ctx, p, 200, func(ctx context.Context, c *actor.Context[int, int], _ int) error {
			// Never reads. The flood of 200 small items is over in a few
			// milliseconds; the result wait drains what was kept.
			return sc.Sleep(ctx, 300*time.Millisecond)
		})
		var so *msg.StreamOverrun
		if !errors.As(err, &so) || so.Sender != p.Peer() {
			t.Errorf("flood past the mailbox: %v, want a stream overrun by the child", err)
		}
		r, err := flood.Open(ctx, p, 200, func(ctx context.Context, c *actor.Context[int, int], _ int) error {
			return sc.Sleep(ctx, 300*time.Millisecond)
		}, actor.AllowOverruns())
		if err != nil || r != 200 {
			t.Errorf("flood with overruns allowed: %d, %v", r, err)
		}
		return nil
	})
}

// The current-context accessor names the innermost open context.
func TestCurrentContext(t *testing.T) {
	withChild(t, func(ctx context.Context, _ *actor.Actor, p *actor.Portal) error {
		if _, _, ok := actor.CurrentContext(ctx); ok {
			t.Error("a context outside any")
		}
		_, err := where.Open(ctx, p, 0, func(ctx context.Context, c *actor.Context[string, int], childCid string) error {
			if cid, peer, ok := actor.CurrentContext(ctx); !ok || cid != c.Cid() || cid != childCid || peer != p.Peer() {
				t.Errorf("inside: %q %v %v; want %q", cid, peer, ok, c.Cid())
			}
			_, err := double.Open(ctx, p, 1, func(ctx context.Context, inner *actor.Context[int, int], _ int) error {
				if cid, _, _ := actor.CurrentContext(ctx); cid != inner.Cid() {
					t.Errorf("nested: %q, want %q", cid, inner.Cid())
				}
				return nil
			})
			if cid, _, _ := actor.CurrentContext(ctx); cid != c.Cid() {
				t.Errorf("after the nested one: %q, want %q", cid, c.Cid())
			}
			c.Cancel(ctx)
			return err
		})
		return err
	})
}
