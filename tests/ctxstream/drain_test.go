//go:build unix

package ctxstream_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
)

var (
	// stall reports started, then blocks its whole actor (the runner
	// itself, not a task) reading the named pipe until the test closes
	// it, and then waits to be cancelled.
	stall = actor.ContextFunc("ctx.stall", func(ctx context.Context, c *actor.Context[int, int], fifo string) (int, error) {
		if err := c.Started(ctx, 0); err != nil {
			return 0, err
		}
		// Messages leave between task steps: let Started go before the
		// runner blocks.
		if err := sc.Checkpoint(ctx); err != nil {
			return 0, err
		}
		if _, err := os.ReadFile(fifo); err != nil {
			return 0, err
		}
		return 0, sc.SleepForever(ctx)
	})

	// endless streams until it is stopped, an item a millisecond.
	endless = actor.ContextFunc("ctx.endless", func(ctx context.Context, c *actor.Context[int, int], _ int) (int, error) {
		if err := c.Started(ctx, 0); err != nil {
			return 0, err
		}
		s, err := c.OpenStream(ctx, false)
		if err != nil {
			return 0, err
		}
		for i := 0; ; i++ {
			if err := s.Send(ctx, i); err != nil {
				return i, err
			}
			if err := sc.Sleep(ctx, time.Millisecond); err != nil {
				return i, err
			}
		}
	})

	// trailing waits for the opener to close its stream, then sends n
	// items more and returns 42.
	trailing = actor.ContextFunc("ctx.trailing", func(ctx context.Context, c *actor.Context[int, int], n int) (int, error) {
		if err := c.Started(ctx, 0); err != nil {
			return 0, err
		}
		s, err := c.OpenStream(ctx, false)
		if err != nil {
			return 0, err
		}
		if _, err := s.Receive(ctx); !errors.Is(err, actor.ErrEndOfStream) {
			return 0, err
		}
		for i := range n {
			if err := s.Send(ctx, i); err != nil {
				return 0, err
			}
		}
		return 42, nil
	})
)

// Cancel waits for the serving actor's answer only so long: with that
// actor unable to answer (its runner blocked), Cancel still returns, and
// once the actor runs again the cancel reaches it and is acknowledged as
// the context's outcome.
func TestCancelAckWaitIsBounded(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "stall")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	withChild(t, func(ctx context.Context, a *actor.Actor, p *actor.Portal) error {
		return sc.FailAfter(ctx, 20*time.Second, func(ctx context.Context) error {
			var c0 *actor.Context[int, int]
			_, err := stall.Open(ctx, p, fifo, func(ctx context.Context, c *actor.Context[int, int], _ int) error {
				c0 = c
				c.Cancel(ctx) // the child cannot answer until the pipe is closed
				return sc.ToGoroutine(ctx, func(context.Context) error {
					f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
					if err != nil {
						return err
					}
					return f.Close()
				}, false)
			})
			if c0 == nil {
				return fmt.Errorf("Open = %v before the context started", err)
			}
			var cc *actor.ContextCancelled
			if err != nil || !errors.As(c0.Outcome(), &cc) || cc.Canceller != a.ID() {
				t.Errorf("Open = %v, outcome %v; want nil and a ContextCancelled by the parent", err, c0.Outcome())
			}
			return nil
		})
	})
}

// The result wait discards a few stream items the opener did not read,
// hoping for the result; an endpoint that streams on past the limit is
// cancelled, so the wait ends (with the cancel acknowledged as the
// outcome) rather than waiting forever.
func TestResultDrain(t *testing.T) {
	withChild(t, func(ctx context.Context, a *actor.Actor, p *actor.Portal) error {
		return sc.FailAfter(ctx, 20*time.Second, func(ctx context.Context) error {
			// Up to the limit: the result arrives.
			r, err := trailing.Open(ctx, p, 6, func(ctx context.Context, c *actor.Context[int, int], _ int) error {
				_, err := c.OpenStream(ctx, false)
				return err
			})
			if err != nil || r != 42 {
				t.Errorf("6 items after the opener's stream closed: %d, %v; want 42", r, err)
			}
			// Streaming on: cancelled.
			var c0 *actor.Context[int, int]
			r, err = endless.Open(ctx, p, 0, func(ctx context.Context, c *actor.Context[int, int], _ int) error {
				c0 = c
				s, err := c.OpenStream(ctx, false)
				if err != nil {
					return err
				}
				_, err = s.Receive(ctx)
				return err
			})
			var cc *actor.ContextCancelled
			if err != nil || r != 0 || !errors.As(c0.Outcome(), &cc) || cc.Canceller != a.ID() {
				t.Errorf("endless stream: %d, %v, outcome %v; want 0, nil and a ContextCancelled by the parent", r, err, c0.Outcome())
			}
			return nil
		})
	})
}
