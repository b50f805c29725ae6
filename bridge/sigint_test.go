//go:build unix

package bridge_test

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/internal/sigint"
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
}

// G10: while someone owns SIGINT, the guest leaves it to them.
func TestG10OwnedSIGINTLeftAlone(t *testing.T) {
	release := sigint.Own("test")
	defer release()
	owner := make(chan os.Signal, 1) // the owner's own handler
	signal.Notify(owner, os.Interrupt)
	defer signal.Stop(owner)
	l := loop.New()
	defer l.Close()
	var delivered sc.Event
	g, err := bridge.StartGuestRun(l, unit(func(ctx context.Context) error {
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		go func() {
			<-owner
			l.CallSoonThreadsafe(delivered.Set)
		}()
		if err := delivered.Wait(ctx); err != nil {
			return err
		}
		return sc.Sleep(ctx, 50*time.Millisecond) // time for a wrong interrupt to land
	}), func(bridge.Outcome[struct{}]) { l.Stop() })
	if err != nil {
		t.Fatal(err)
	}
	bounded(t, func() { l.RunForever() })
	if err := g.Wait(context.Background()); err != nil {
		t.Fatalf("outcome = %v, want nil: the owner handles SIGINT", err)
	}
}
