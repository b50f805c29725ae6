package bridge_test

import (
	"context"
	"syscall"
	"testing"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/internal/testhost"
)

// G6: every guest task step runs on the host's OS thread, with the host
// goroutine locked to it (runtime.LockOSThread) as UI loops are.
func TestG6StepsRunOnHostThread(t *testing.T) {
	h := testhost.New() // Run locks its goroutine to the OS thread
	hostTID := make(chan int, 1)
	h.RunSyncSoonThreadsafe(func() { hostTID <- syscall.Gettid() })
	var tids []int
	finished := false
	g, err := bridge.StartGuestRun(h, unit(func(ctx context.Context) error {
		tids = append(tids, syscall.Gettid())
		tx, rx := sc.NewChannel[int](0)
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("producer", func(ctx context.Context) error {
				defer tx.Close()
				for i := range 200 {
					tids = append(tids, syscall.Gettid())
					if err := tx.Send(ctx, i); err != nil {
						return err
					}
				}
				return nil
			})
			n.StartSoon("sleeper", func(ctx context.Context) error {
				for range 5 { // timers: the waiter goroutine hands these ticks back
					tids = append(tids, syscall.Gettid())
					if err := sc.Sleep(ctx, 0); err != nil {
						return err
					}
				}
				return nil
			})
			for {
				if _, err := rx.Receive(ctx); err != nil {
					tids = append(tids, syscall.Gettid())
					return nil
				}
				tids = append(tids, syscall.Gettid())
			}
		})
	}), func(bridge.Outcome[struct{}]) { finished = true }, bridge.WithHostThreadLocked(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	bounded(t, func() { h.Run(func() bool { return finished }) })
	if err := g.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := <-hostTID
	off := 0
	for _, tid := range tids {
		if tid != want {
			off++
		}
	}
	if off > 0 || len(tids) < 400 {
		t.Fatalf("%d of %d steps ran off the host thread %d", off, len(tids), want)
	}
	t.Logf("%d steps, all on thread %d", len(tids), want)
}
