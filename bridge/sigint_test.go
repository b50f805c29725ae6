//go:build unix

package bridge_test

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/internal/sigguard"
	"github.com/hitchrt/hitch/loop"
)

// G10: a SIGINT while a guest runs and nobody owns SIGINT reaches the
// guest's main task as an interrupt at its next checkpoint.
func TestG10SIGINTInterruptsGuestMain(t *testing.T) {
	l := loop.New()
	defer l.Close()
	var cleanup bool
	g, err := bridge.StartGuestRun(l, unit(func(ctx context.Context) error {
		l.CallSoon(func() { syscall.Kill(os.Getpid(), syscall.SIGINT) })
		err := sc.SleepForever(ctx)
		cleanup = true
		return err
	}), func(bridge.Outcome[struct{}]) { l.Stop() })
	if err != nil {
		t.Fatal(err)
	}
	bounded(t, func() { l.RunForever() })
	if err := g.Wait(context.Background()); !errors.Is(err, sc.ErrInterrupted) || !cleanup {
		t.Fatalf("outcome = %v (cleanup ran: %v), want sc.ErrInterrupted", err, cleanup)
	}
	if owner := sigguard.OwnerOf(os.Interrupt); owner != "" {
		t.Fatalf("SIGINT still claimed by %q after the run", owner)
	}
}

// G10: while an owner holds SIGINT, the guest's fallback leaves it alone:
// the owner alone handles it.
func TestG10OwnedSIGINTLeftAlone(t *testing.T) {
	l := loop.New()
	defer l.Close()
	var delivered sc.Event
	release := sigguard.Own(sigguard.Claim{Who: "test", Level: sigguard.LevelOwner, Signals: []os.Signal{os.Interrupt}, Handle: func(os.Signal) {
		l.CallSoonThreadsafe(delivered.Set)
	}})
	defer release()
	g, err := bridge.StartGuestRun(l, unit(func(ctx context.Context) error {
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		if err := delivered.Wait(ctx); err != nil {
			return err
		}
		// The owner has handled the one signal; an interrupt delivered
		// too would be seen at this checkpoint.
		return sc.Checkpoint(ctx)
	}), func(bridge.Outcome[struct{}]) { l.Stop() })
	if err != nil {
		t.Fatal(err)
	}
	bounded(t, func() { l.RunForever() })
	if err := g.Wait(context.Background()); err != nil {
		t.Fatalf("outcome = %v, want nil: the owner handles SIGINT", err)
	}
}
