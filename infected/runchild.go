package infected

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/loop"
	"github.com/hitchrt/hitch/signals"
)

func init() { actor.SetHostLoop(hostLoop{}) }

// hostLoop is the actor.HostLoop this package installs.
type hostLoop struct{}

// RunChild runs an infected sub-actor's runtime (main) as the guest of a
// loop.Run on the calling goroutine (tractor's run_as_asyncio_guest).
//
// Signals: loop.Run's stop policy is the one owner of SIGINT and SIGTERM
// for the whole life of the process (the runtime claims none in host-loop
// mode, and the guest's own SIGINT fallback is off). The first stop signal
// cancels the host main task. That task does not wait in RunGuest itself,
// which would cancel the guest run as a whole; it awaits a task running
// RunGuest, shielded, asks the actor to cancel itself (so the actor's
// lifetime callbacks run, it unregisters and tells its parent who
// cancelled it), and goes on awaiting while the loop turns, until the
// guest run has ended. A second stop signal stops the loop at once: the
// guest run is abandoned, and RunChild returns a *bridge.TranslationError
// saying so, logged at Error level.
func (hostLoop) RunChild(main func(ctx context.Context) error, cancel func(why string) bool) error {
	var (
		// Set on the loop's goroutine, read after loop.Run has returned.
		mainErr  error // what main returned
		returned bool  // RunGuest returned
		runErr   error // what it returned
	)
	log := slog.Default()
	lerr := loop.Run(func(ctx context.Context) error {
		guest := loop.Go(loop.FromContext(ctx), "actor runtime", func(ctx context.Context) (struct{}, error) {
			_, err := bridge.RunGuest(ctx, func(ctx context.Context) (struct{}, error) {
				mainErr = main(ctx)
				return struct{}{}, mainErr
			}, bridge.WithSIGINT(false), bridge.WithLogger(log))
			returned, runErr = true, err
			return struct{}{}, err
		})
		for {
			_, err := loop.Await(ctx, loop.Shield(guest))
			if err == nil || guest.Done() || errors.Is(err, loop.ErrClosed) {
				return err
			}
			// The main task was cancelled: a stop signal. Before the actor
			// runs (or after), there is no actor to ask, and the guest run
			// is cancelled as a whole instead.
			why := stopReason(context.Cause(ctx))
			log.Info("infected: host loop interrupted; cancelling the actor and running the loop until its guest run ends", "why", why)
			if !cancel(why) {
				guest.Task().Cancel()
			}
		}
	})
	// The guest run finished unless RunGuest said it was abandoned, or
	// never returned: the loop was stopped with it still waiting (its
	// task unwound by the loop's Close).
	var te *bridge.TranslationError
	if returned && !errors.As(runErr, &te) {
		return mainErr
	}
	if te == nil {
		te = &bridge.TranslationError{Op: "infected host loop", Err: errors.Join(bridge.ErrAbandoned, lerr)}
	}
	log.Error("infected: the host loop stopped before the actor's guest run finished; the actor's teardown did not complete", "err", te)
	return te
}

// stopReason names what cancelled the host main task.
func stopReason(cause error) string {
	var ie *loop.InterruptedError
	switch {
	case errors.As(cause, &ie) && ie.Signal != nil:
		return signals.Name(ie.Signal)
	case errors.Is(cause, loop.ErrInterrupted):
		return signals.Name(os.Interrupt)
	}
	return "host loop cancelled"
}

// CheckRoot checks that ctx's task is a task of a guest run hosted by a
// *loop.Loop, by running an empty host task there: the bridge finds the
// guest from the task, and says why not when it cannot.
func (hostLoop) CheckRoot(ctx context.Context) error {
	_, err := bridge.RunHostTask(ctx, func(context.Context) (struct{}, error) { return struct{}{}, nil })
	if err != nil {
		return fmt.Errorf("infected: the root is not opened from a task of a loop.Loop's guest run (open it inside bridge.RunGuest): %w: %w", ErrNotInfected, err)
	}
	return nil
}
