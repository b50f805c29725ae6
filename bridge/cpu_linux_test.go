package bridge_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/loop"
)

// processCPU returns the CPU time (user and system) the process has used.
func processCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// While a cancelled guest finishes, RunGuest waits parked: a guest whose
// shielded cleanup sleeps 1 s costs the process well under 50 ms of CPU
// during that second (a pump that spins on the loop would burn a core).
func TestRunGuestWaitsForCancelledGuestWithoutSpinning(t *testing.T) {
	const cleanup = time.Second
	var used time.Duration
	var cleaned bool
	err := loop.Run(func(ctx context.Context) error {
		host := loop.CurrentTask(ctx)
		_, err := bridge.RunGuest(ctx, unit(func(ctx context.Context) error {
			host.Loop().CallSoon(func() { host.Cancel() })
			err := sc.SleepForever(ctx)
			sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
				s.SetShield(true)
				before := processCPU(t)
				defer func() { used = processCPU(t) - before }()
				return sc.Sleep(ctx, cleanup)
			})
			cleaned = true
			return err
		}), quiet())
		return err
	}, loop.WithSIGINTPolicy(false))
	if !errors.Is(err, loop.ErrCancelled) || !cleaned {
		t.Fatalf("RunGuest = %v (cleanup ran: %v); want loop.ErrCancelled after the cleanup", err, cleaned)
	}
	t.Logf("process CPU during the guest's %v cleanup: %v", cleanup, used)
	if used >= 50*time.Millisecond {
		t.Fatalf("the process used %v of CPU while the cancelled guest slept %v; want well under 50ms", used, cleanup)
	}
}
