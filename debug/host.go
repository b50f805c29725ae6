package debug

import (
	"context"
	"errors"
	"fmt"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/loop"
)

// PauseHost opens the REPL from a host task: a loop.Task of a host loop
// that runs the sc runtime as its guest (an infected actor, or a program
// hosting its root actor on a loop.Loop). It parks the host task (the
// loop keeps turning, and with it the guest run) while a guest task of
// that run pauses on the host task's behalf, as Pause would: the same
// lock, in arrival order with every other pause of the tree, and the same
// options (Shield included). It returns nil once the person continues and
// an error matching ErrQuit if they quit. ctx must be the host task's;
// elsewhere, or without a guest run on its loop, it fails at once.
// Cancelling the host task does not close an open REPL.
//
// Synchronous code on the loop's goroutine cannot pause (PauseFromSync
// there would stall the loop that drives the guest run, and so the lock's
// answer): a host task calls PauseHost instead.
func PauseHost(ctx context.Context, opts ...Option) error {
	cfg := newConfig(callPause, opts)
	if cfg.bad != nil {
		return cfg.bad
	}
	t := loop.CurrentTask(ctx)
	if t == nil {
		return errors.New("debug: PauseHost: ctx is not a host task's (use Pause from a guest task)")
	}
	frames := callers(3)
	name := t.Name() + " (host task)"
	f := bridge.RunGuestTaskInFuture(t.Loop(), func(ctx context.Context) (struct{}, error) {
		return struct{}{}, pauseTaskAs(ctx, &cfg, "paused", frames, nil, name)
	})
	if _, err := loop.Await(ctx, f); err != nil {
		if errors.Is(err, ErrQuit) || errors.Is(err, loop.ErrCancelled) || errors.Is(err, sc.ErrCancelled) {
			return err
		}
		return fmt.Errorf("debug: PauseHost: %w", err)
	}
	return nil
}
