package sc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// A minimal guest driver: a host goroutine running callbacks from a chan
// func() loop, with Wait on a separate waiter goroutine (the shape of
// bridge.StartGuestRun). Host callbacks posted by tasks through hostPost run
// between ticks on the host goroutine.
type chanHost struct {
	calls chan func()
}

func (h *chanHost) post(fn func()) error {
	h.calls <- fn
	return nil
}

func init() {
	drivers = append(drivers, driver{"guest-chan", func(main func(ctx context.Context) error, opts ...sc.Option) error {
		return guestRun(main, opts...)
	}})
}

func guestRun(main func(ctx context.Context) error, opts ...sc.Option) error {
	h := &chanHost{calls: make(chan func(), 64)}
	r := sc.NewRunner(withHost(main, h.post), opts...)
	done := make(chan error, 1)
	var tick func()
	tick = func() {
		res := r.Tick()
		switch {
		case res.Finished:
			done <- r.Outcome()
		case res.Runnable:
			h.calls <- tick
		default:
			go func() {
				r.Wait(res.Deadline)
				h.calls <- tick
			}()
		}
	}
	h.calls <- tick
	for {
		select {
		case f := <-h.calls:
			f()
		case err := <-done:
			return err
		}
	}
}

// bounded runs f and fails the test if it does not finish in time.
func bounded(t *testing.T, d time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("run did not finish within %v", d)
		return nil
	}
}

// G4: host code sets an Event between ticks; the parked waiter must wake
// at once (there is no deadline to fall back on).
func TestGuestHostEventSetWakesWaiter(t *testing.T) {
	err := bounded(t, 20*time.Second, func() error {
		return guestRun(func(ctx context.Context) error {
			var ev sc.Event
			if !hostPost(ctx, func() { ev.Set() }) {
				t.Error("no host")
			}
			return ev.Wait(ctx)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// G5: host code moves a sleeping scope's deadline into the past between
// ticks; the guest wakes promptly and the scope reports cancelled-caught.
func TestGuestHostSetDeadlineWakes(t *testing.T) {
	var s sc.CancelScope
	err := bounded(t, 20*time.Second, func() error {
		return guestRun(func(ctx context.Context) error {
			s.SetDeadline(time.Now().Add(time.Hour))
			return s.Run(ctx, func(ctx context.Context, s *sc.CancelScope) error {
				hostPost(ctx, func() { s.SetDeadline(time.Now().Add(-time.Second)) })
				return sc.Sleep(ctx, time.Hour)
			})
		})
	})
	if err != nil || !s.CancelledCaught() {
		t.Fatalf("err = %v, caught = %v", err, s.CancelledCaught())
	}
}

// Host code cancelling a scope between ticks wakes the guest too, and the
// token works before the first tick (G2).
func TestGuestHostCancelAndEarlyToken(t *testing.T) {
	r := sc.NewRunner(func(ctx context.Context) error {
		return sc.SleepForever(ctx)
	})
	tokenDone := make(chan error, 1)
	ran := make(chan struct{})
	go func() {
		tokenDone <- r.Token().RunSync(func() error { close(ran); return nil })
	}()
	waitDone := make(chan struct{}, 1)
	waiting := false
	cancelled := false
	deadline := time.After(20 * time.Second)
	for {
		res := r.Tick()
		if res.Finished {
			break
		}
		if res.Runnable {
			continue
		}
		if !waiting {
			waiting = true
			go func() { r.Wait(res.Deadline); waitDone <- struct{}{} }()
		}
		select {
		case <-waitDone:
			waiting = false
		case <-ran:
			ran = nil
			if !cancelled {
				cancelled = true
				r.Cancel() // host code between ticks: must wake the waiter
			}
		case <-deadline:
			t.Fatal("guest did not finish")
		}
	}
	if waiting {
		<-waitDone
	}
	if err := r.Outcome(); err != nil {
		t.Fatalf("outcome = %v, want nil (root cancel absorbed)", err)
	}
	if err := <-tokenDone; err != nil {
		t.Fatalf("token call: %v", err)
	}
}

// RunSyncSoon queues host code without blocking, even before the first
// tick and from the driving goroutine; a panic in it cancels the run and
// becomes its outcome.
func TestTokenRunSyncSoon(t *testing.T) {
	var ev sc.Event
	r := sc.NewRunner(func(ctx context.Context) error { return ev.Wait(ctx) })
	if err := r.Token().RunSyncSoon(ev.Set); err != nil {
		t.Fatal(err)
	}
	if err := driveNative(r); err != nil {
		t.Fatalf("outcome = %v", err)
	}
	if err := r.Token().RunSyncSoon(func() {}); !errors.Is(err, sc.ErrRunFinished) {
		t.Fatalf("after the run: %v, want ErrRunFinished", err)
	}

	r = sc.NewRunner(func(ctx context.Context) error { return sc.SleepForever(ctx) })
	r.Token().RunSyncSoon(func() { panic("host boom") })
	var pe *sc.PanicError
	if err := driveNative(r); !errors.As(err, &pe) || pe.Value != "host boom" {
		t.Fatalf("outcome = %v, want the host panic", err)
	}
}

// Abandon stops every task of a run that will not be ticked again: their
// deferred code runs, pending checkpoints fail with ErrRunFinished, and
// the outcome is the abandonment error.
func TestRunnerAbandon(t *testing.T) {
	errGone := errors.New("host gone")
	var unwound []string
	r := sc.NewRunner(func(ctx context.Context) error {
		defer func() { unwound = append(unwound, "main") }()
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			for _, name := range []string{"a", "b"} {
				n.StartSoon(name, func(ctx context.Context) error {
					defer func() { unwound = append(unwound, name) }()
					err := sc.Sleep(ctx, time.Hour)
					if !errors.Is(err, sc.ErrRunFinished) {
						t.Errorf("%s: sleep = %v, want ErrRunFinished", name, err)
					}
					return err
				})
			}
			return nil
		})
	})
	for range 3 {
		r.Tick()
	}
	r.Abandon(errGone)
	if err := r.Token().RunSync(func() error { return nil }); !errors.Is(err, sc.ErrRunFinished) {
		t.Fatalf("token call after Abandon = %v", err)
	}
	if len(unwound) != 3 || unwound[2] != "main" {
		t.Fatalf("unwound = %v, want both children then main", unwound)
	}
	if res := r.Tick(); !res.Finished || r.Outcome() != errGone {
		t.Fatalf("after Abandon: %+v, outcome %v", res, r.Outcome())
	}
}

func driveNative(r *sc.Runner) error {
	for {
		res := r.Tick()
		if res.Finished {
			return r.Outcome()
		}
		if !res.Runnable {
			r.Wait(res.Deadline)
		}
	}
}

// Host code between ticks starts system tasks: they run outside main's
// tree, and one that fails fails the run.
func TestStartSystemTask(t *testing.T) {
	var ev sc.Event
	r := sc.NewRunner(func(ctx context.Context) error { return ev.Wait(ctx) })
	if err := r.StartSystemTask("setter", func(ctx context.Context) error {
		if err := sc.Checkpoint(ctx); err != nil {
			return err
		}
		ev.Set()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := driveNative(r); err != nil {
		t.Fatalf("outcome = %v", err)
	}
	if err := r.StartSystemTask("late", func(context.Context) error { return nil }); !errors.Is(err, sc.ErrRunFinished) {
		t.Fatalf("after the run: %v", err)
	}

	boom := errors.New("boom")
	r = sc.NewRunner(func(ctx context.Context) error { return sc.SleepForever(ctx) })
	r.StartSystemTask("failing", func(ctx context.Context) error { return boom })
	if err := driveNative(r); !errors.Is(err, boom) {
		t.Fatalf("outcome = %v, want the system task's error", err)
	}
}
