package bridge_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/loop"
)

// inGuestHost runs a guest whose main task starts host work through
// RunHostTask, so that hostFn runs as a host task while the guest is live.
func inGuestHost(t *testing.T, hostFn func(ctx context.Context) error) {
	t.Helper()
	inGuest(t, func(ctx context.Context) error {
		_, err := bridge.RunHostTask(ctx, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, hostFn(ctx)
		})
		return err
	})
}

func TestB8RunGuestTaskInFutureValue(t *testing.T) {
	inGuestHost(t, func(ctx context.Context) error {
		f := bridge.RunGuestTaskInFuture(loop.FromContext(ctx), func(ctx context.Context) (string, error) {
			if err := sc.Sleep(ctx, time.Millisecond); err != nil {
				return "", err
			}
			return "from the guest", nil
		})
		v, err := loop.Await(ctx, f)
		if err != nil || v != "from the guest" {
			t.Errorf("Await = %q, %v", v, err)
		}
		f = bridge.RunGuestTaskInFuture(loop.FromContext(ctx), func(ctx context.Context) (string, error) {
			return "", errBoom
		})
		if _, err := loop.Await(ctx, f); !errors.Is(err, errBoom) {
			t.Errorf("Await = %v; want %v", err, errBoom)
		}
		f = bridge.RunGuestTaskInFuture(loop.FromContext(ctx), func(ctx context.Context) (string, error) {
			panic("guest kaboom")
		})
		var pe *sc.PanicError
		if _, err := loop.Await(ctx, f); !errors.As(err, &pe) {
			t.Errorf("Await = %v; want a *sc.PanicError", err)
		}
		return nil
	})
}

// TestB8CancelHostTaskCancelsGuestTask: cancelling the host task that
// awaits the future cancels the guest task, and the host's wait ends only
// after the guest task finished.
func TestB8CancelHostTaskCancelsGuestTask(t *testing.T) {
	inGuestHost(t, func(ctx context.Context) error {
		l := loop.FromContext(ctx)
		guestStarted := loop.NewFuture[struct{}](l)
		guestFinished := false
		var guestErr error
		waiter := loop.Go(l, "waiter", func(ctx context.Context) (string, error) {
			f := bridge.RunGuestTaskInFuture(l, func(ctx context.Context) (string, error) {
				guestStarted.SetResult(struct{}{})
				guestErr = sc.SleepForever(ctx)
				// Cleanup that checkpoints, shielded.
				var cs sc.CancelScope
				cs.SetShield(true)
				_ = cs.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
					return sc.Sleep(ctx, 5*time.Millisecond)
				})
				guestFinished = true
				return "", guestErr
			})
			v, err := loop.Await(ctx, f)
			if !guestFinished {
				t.Error("the host's wait ended before the guest task finished")
			}
			if !f.Done() || !f.Cancelled() {
				t.Errorf("future done=%v cancelled=%v; want cancelled", f.Done(), f.Cancelled())
			}
			return v, err
		})
		if _, err := loop.Await(ctx, guestStarted); err != nil {
			return err
		}
		waiter.Cancel()
		_, err := loop.Await(ctx, waiter)
		if !errors.Is(err, loop.ErrCancelled) {
			t.Errorf("waiter = %v; want loop.ErrCancelled", err)
		}
		if !errors.Is(guestErr, sc.ErrCancelled) || !guestFinished {
			t.Errorf("guest saw %v, finished=%v; want sc.ErrCancelled, true", guestErr, guestFinished)
		}
		return nil
	})
}

// TestB8CancelFuture: cancelling the future itself cancels the guest task;
// the future completes once it has ended.
func TestB8CancelFuture(t *testing.T) {
	inGuestHost(t, func(ctx context.Context) error {
		l := loop.FromContext(ctx)
		started := loop.NewFuture[struct{}](l)
		finished := false
		f := bridge.RunGuestTaskInFuture(l, func(ctx context.Context) (int, error) {
			started.SetResult(struct{}{})
			err := sc.SleepForever(ctx)
			finished = true
			return 0, err
		})
		if _, err := loop.Await(ctx, started); err != nil {
			return err
		}
		f.Cancel()
		if f.Done() {
			t.Error("the future completed before the guest task ended")
		}
		_, err := loop.Await(ctx, f)
		if !errors.Is(err, loop.ErrCancelled) || !finished {
			t.Errorf("Await = %v, finished=%v; want loop.ErrCancelled, true", err, finished)
		}
		return nil
	})
}

func TestRunGuestTaskInFutureNoGuest(t *testing.T) {
	err := loop.Run(func(ctx context.Context) error {
		f := bridge.RunGuestTaskInFuture(loop.FromContext(ctx), func(ctx context.Context) (int, error) { return 1, nil })
		_, err := loop.Await(ctx, f)
		if err == nil || !strings.Contains(err.Error(), "no live guest run") {
			t.Errorf("Await = %v; want an error saying there is no guest", err)
		}
		return nil
	}, loop.WithSIGINTPolicy(false))
	if err != nil {
		t.Fatal(err)
	}
	f := bridge.RunGuestTaskInFuture[int](nil, nil)
	if _, err := f.Result(); err == nil {
		t.Error("nil loop: want an error")
	}
}
