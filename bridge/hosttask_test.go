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

var errBoom = errors.New("boom")

func TestB1RunHostTaskValue(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		v, err := bridge.RunHostTask(ctx, func(ctx context.Context) (int, error) {
			if err := loop.Sleep(ctx, time.Millisecond); err != nil {
				return 0, err
			}
			return 42, nil
		})
		if err != nil || v != 42 {
			t.Errorf("RunHostTask = %d, %v; want 42, nil", v, err)
		}
		return nil
	})
}

func TestB1RunHostTaskError(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		_, err := bridge.RunHostTask(ctx, func(ctx context.Context) (int, error) {
			return 0, errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("err = %v; want %v", err, errBoom)
		}
		if errors.Is(err, bridge.ErrHostCancelled) {
			t.Errorf("err %v matches ErrHostCancelled", err)
		}
		return nil
	})
}

func TestB1RunHostTaskPanic(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		_, err := bridge.RunHostTask(ctx, func(ctx context.Context) (int, error) {
			panic("host kaboom")
		})
		var pe *loop.PanicError
		if !errors.As(err, &pe) || pe.Value != "host kaboom" {
			t.Errorf("err = %v; want a *loop.PanicError with the value", err)
		}
		return nil
	})
}

// TestB1RunHostTaskGuestTimeout: a MoveOnAfter deadline cancels the host
// task, and RunHostTask returns only after the host task has ended (its
// cleanup ran).
func TestB1RunHostTaskGuestTimeout(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		var hostSawCancel, hostCleanedUp, returned bool
		err := sc.MoveOnAfter(ctx, 20*time.Millisecond, func(ctx context.Context) error {
			_, err := bridge.RunHostTask(ctx, func(ctx context.Context) (int, error) {
				err := loop.Sleep(ctx, time.Hour)
				hostSawCancel = errors.Is(err, loop.ErrCancelled)
				// Cleanup that itself awaits: the guest must wait for it.
				_ = loop.Sleep(ctx, 5*time.Millisecond)
				hostCleanedUp = true
				return 0, err
			})
			returned = true
			if !errors.Is(err, sc.ErrCancelled) {
				t.Errorf("RunHostTask err = %v; want sc.ErrCancelled", err)
			}
			if !hostCleanedUp {
				t.Error("RunHostTask returned before the host task ended")
			}
			return err
		})
		if err != nil {
			t.Errorf("MoveOnAfter = %v; want nil (cancel absorbed)", err)
		}
		if !returned || !hostSawCancel || !hostCleanedUp {
			t.Errorf("returned=%v hostSawCancel=%v hostCleanedUp=%v", returned, hostSawCancel, hostCleanedUp)
		}
		return nil
	})
}

// TestB2RunHostTaskSelfCancel: a host task that cancels itself makes the
// guest see ErrHostCancelled chained to loop.ErrCancelled.
func TestB2RunHostTaskSelfCancel(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		_, err := bridge.RunHostTask(ctx, func(ctx context.Context) (int, error) {
			loop.CurrentTask(ctx).Cancel()
			return 0, loop.Sleep(ctx, time.Hour)
		})
		if !errors.Is(err, bridge.ErrHostCancelled) || !errors.Is(err, loop.ErrCancelled) {
			t.Errorf("err = %v; want ErrHostCancelled and loop.ErrCancelled", err)
		}
		if errors.Is(err, sc.ErrCancelled) {
			t.Errorf("err = %v must not look like a guest cancellation", err)
		}
		return nil
	})
}

// TestB2RunHostTaskCancelledByHostCode: other host code cancels the host
// task.
func TestB2RunHostTaskCancelledByHostCode(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		_, err := bridge.RunHostTask(ctx, func(ctx context.Context) (int, error) {
			other := loop.Go(loop.FromContext(ctx), "canceller", func(context.Context) (struct{}, error) {
				loop.CurrentTask(ctx).Cancel()
				return struct{}{}, nil
			})
			_ = other
			return 0, loop.Sleep(ctx, time.Hour)
		})
		if !errors.Is(err, bridge.ErrHostCancelled) || !errors.Is(err, loop.ErrCancelled) {
			t.Errorf("err = %v; want ErrHostCancelled and loop.ErrCancelled", err)
		}
		return nil
	})
}

func TestRunHostTaskMisuse(t *testing.T) {
	_, err := bridge.RunHostTask(context.Background(), func(context.Context) (int, error) { return 1, nil })
	if !errors.Is(err, sc.ErrNotInTask) {
		t.Errorf("outside a guest: err = %v; want sc.ErrNotInTask", err)
	}
	err = sc.Run(func(ctx context.Context) error {
		_, err := bridge.RunHostTask(ctx, func(context.Context) (int, error) { return 1, nil })
		if err == nil {
			t.Error("in a native sc.Run: want an error")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	inGuest(t, func(ctx context.Context) error {
		_, err := bridge.RunHostTask[int](ctx, nil)
		if err == nil {
			t.Error("nil fn: want an error")
		}
		return nil
	})
}

// TestRunHostTaskForeignHost: a guest whose host is not a *loop.Loop gets
// a clear error.
func TestRunHostTaskForeignHost(t *testing.T) {
	var bad error
	err := loop.Run(func(ctx context.Context) error {
		l := loop.FromContext(ctx)
		out := loop.NewFuture[error](l)
		host := bridge.HostFunc(l.RunSyncSoonThreadsafe)
		_, err := bridge.StartGuestRun(host, func(ctx context.Context) (struct{}, error) {
			_, err := bridge.RunHostTask(ctx, func(context.Context) (int, error) { return 1, nil })
			bad = err
			return struct{}{}, nil
		}, func(o bridge.Outcome[struct{}]) { out.SetResult(o.Err) }, bridge.WithSIGINT(false))
		if err != nil {
			return err
		}
		e, err := loop.Await(ctx, out)
		if err != nil {
			return err
		}
		return e
	}, loop.WithSIGINTPolicy(false))
	if err != nil {
		t.Fatal(err)
	}
	if bad == nil || !strings.Contains(bad.Error(), "not a *loop.Loop") {
		t.Errorf("err = %v; want one saying the host is not a *loop.Loop", bad)
	}
}

// The host task fails, a sibling guest task sees that and fails too, and
// the nursery cancels the guest task still waiting in RunHostTask before
// the host task's done callback ran: RunHostTask returns the host's error
// first, then its cancellation, and the nursery keeps the host's error.
func TestRunHostTaskHostErrorThenGuestCancel(t *testing.T) {
	errSibling := errors.New("sibling saw the host fail")
	inGuest(t, func(ctx context.Context) error {
		var hostFailed sc.Event
		var waitErr error
		err := sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			// Keeps the guest runnable, so each loop turn runs the host
			// task's step and then a guest tick, in that order.
			busyTasks(n, 1, new(int))
			n.StartSoon("waiter", func(ctx context.Context) error {
				_, waitErr = bridge.RunHostTask(ctx, func(ctx context.Context) (int, error) {
					for range 3 {
						if err := loop.Yield(ctx); err != nil {
							return 0, err
						}
					}
					hostFailed.Set() // host code: wakes the sibling
					return 0, errBoom
				})
				return waitErr
			})
			n.StartSoon("sibling", func(ctx context.Context) error {
				if err := hostFailed.Wait(ctx); err != nil {
					return err
				}
				return errSibling
			})
			return nil
		})
		if !errors.Is(err, errBoom) || !errors.Is(err, errSibling) {
			t.Errorf("nursery = %v; want both the host's and the sibling's error", err)
		}
		checkOrder(t, waitErr, errBoom, sc.ErrCancelled)
		return nil
	})
}

// The guest task is cancelled first, and the host task fails while it
// handles the cancel: RunHostTask returns the cancellation first, then the
// host's error, and the scope that absorbs the cancellation lets the
// host's error through.
func TestRunHostTaskGuestCancelThenHostError(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		var waitErr, hostCause error
		err := sc.OpenCancelScope(ctx, func(ctx context.Context, cs *sc.CancelScope) error {
			_, waitErr = bridge.RunHostTask(ctx, func(hctx context.Context) (int, error) {
				return 0, failOnCancel(hctx, cs, &hostCause)
			})
			return waitErr
		})
		checkFailedOnCancel(t, err, waitErr, hostCause, sc.ErrCancelled)
		return nil
	})
}

var errCleanup = errors.New("host cleanup failed")

// failOnCancel is a host task's body that has host code cancel the guest
// side (cs), then fails with errCleanup when its own cancel arrives,
// recording its ctx's cause.
func failOnCancel(ctx context.Context, cs *sc.CancelScope, cause *error) error {
	loop.FromContext(ctx).CallSoon(cs.Cancel)
	err := loop.Sleep(ctx, time.Hour)
	*cause = context.Cause(ctx)
	if !errors.Is(err, loop.ErrCancelled) {
		return err
	}
	return errCleanup
}

// checkFailedOnCancel checks the outcome of a failOnCancel host task: the
// call's error (got) holds the guest's cancellation, then errCleanup; the
// scope (scopeErr) let errCleanup through; the host's cause matches want.
func checkFailedOnCancel(t *testing.T, scopeErr, got, cause, want error) {
	t.Helper()
	if !errors.Is(scopeErr, errCleanup) {
		t.Errorf("cancel scope = %v; want the host's error to get through", scopeErr)
	}
	if !errors.Is(cause, want) {
		t.Errorf("host task's cause = %v; want %v", cause, want)
	}
	checkOrder(t, got, sc.ErrCancelled, errCleanup)
}

// checkOrder checks that err holds exactly first, then second, in an
// *sc.NurseryError.
func checkOrder(t *testing.T, err, first, second error) {
	t.Helper()
	var ne *sc.NurseryError
	if !errors.As(err, &ne) || len(ne.Errs) != 2 || !errors.Is(ne.Errs[0], first) || !errors.Is(ne.Errs[1], second) {
		t.Errorf("err = %v; want %v, then %v", err, first, second)
	}
}
