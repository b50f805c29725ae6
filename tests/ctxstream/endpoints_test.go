//go:build unix

package ctxstream_test

import (
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
)

func quiet() actor.Option {
	if testing.Verbose() {
		return actor.WithChildOutput(os.Stderr)
	}
	return actor.WithChildOutput(io.Discard)
}

var (
	// double reports arg as started and returns twice arg.
	double = actor.ContextFunc("ctx.double", func(ctx context.Context, c *actor.Context[int, int], arg int) (int, error) {
		if err := c.Started(ctx, arg); err != nil {
			return 0, err
		}
		return 2 * arg, nil
	})

	// waitCancel reports started, then waits to be cancelled.
	waitCancel = actor.ContextFunc("ctx.waitCancel", func(ctx context.Context, c *actor.Context[string, int], _ int) (int, error) {
		if err := c.Started(ctx, "waiting"); err != nil {
			return 0, err
		}
		return 0, sc.SleepForever(ctx)
	})

	// selfCancel cancels itself before started.
	selfCancel = actor.ContextFunc("ctx.selfCancel", func(ctx context.Context, c *actor.Context[int, int], _ int) (int, error) {
		c.Cancel(ctx)
		return 0, sc.Checkpoint(ctx)
	})

	// startedTwice and streamEarly misuse the context.
	startedTwice = actor.ContextFunc("ctx.startedTwice", func(ctx context.Context, c *actor.Context[int, int], _ int) (int, error) {
		if err := c.Started(ctx, 1); err != nil {
			return 0, err
		}
		return 0, c.Started(ctx, 2)
	})
	streamEarly = actor.ContextFunc("ctx.streamEarly", func(ctx context.Context, c *actor.Context[int, int], _ int) (int, error) {
		_, err := c.OpenStream(ctx, false)
		return 0, err
	})

	// echoStream echoes every item back, adding 1000, until the caller
	// closes its side; then it sends n more and returns how many it echoed.
	echoStream = actor.ContextFunc("ctx.echoStream", func(ctx context.Context, c *actor.Context[int, int], n int) (int, error) {
		if err := c.Started(ctx, 0); err != nil {
			return 0, err
		}
		s, err := c.OpenStream(ctx, false)
		if err != nil {
			return 0, err
		}
		count := 0
		for v, err := range s.All(ctx) {
			if err != nil {
				return count, err
			}
			if err := s.Send(ctx, v+1000); err != nil {
				return count, err
			}
			count++
		}
		for i := range n {
			if err := s.Send(ctx, i); err != nil {
				return count, err
			}
		}
		return count, s.Close(ctx)
	})

	// flood sends n items as fast as it can; it stops at the first error.
	flood = actor.ContextFunc("ctx.flood", func(ctx context.Context, c *actor.Context[int, int], n int) (int, error) {
		if err := c.Started(ctx, 0); err != nil {
			return 0, err
		}
		s, err := c.OpenStream(ctx, false)
		if err != nil {
			return 0, err
		}
		for i := range n {
			if err := s.Send(ctx, i); err != nil {
				return i, err
			}
			if err := sc.Checkpoint(ctx); err != nil { // let replies in
				return i, err
			}
		}
		return n, s.Close(ctx)
	})

	// nested opens a context with the named actor from inside its own, to
	// check the current-context accessor.
	where = actor.ContextFunc("ctx.where", func(ctx context.Context, c *actor.Context[string, int], _ int) (int, error) {
		cid, _, ok := actor.CurrentContext(ctx)
		if !ok || cid != c.Cid() {
			return 0, errors.New("CurrentContext is not this context")
		}
		return 0, c.Started(ctx, cid)
	})
)
