package bridge_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/internal/testhost"
	"github.com/hitchrt/hitch/loop"
)

// G1: the done callback runs once, on the host, with main's value, error
// or panic.
func TestG1DoneCallbackOutcome(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name  string
		main  func(ctx context.Context) (int, error)
		check func(t *testing.T, o bridge.Outcome[int])
	}{
		{"value", func(ctx context.Context) (int, error) { return 42, sc.Checkpoint(ctx) }, func(t *testing.T, o bridge.Outcome[int]) {
			if o.Value != 42 || o.Err != nil {
				t.Errorf("outcome = %+v, want 42", o)
			}
		}},
		{"error", func(ctx context.Context) (int, error) { return 1, boom }, func(t *testing.T, o bridge.Outcome[int]) {
			if !errors.Is(o.Err, boom) || o.Value != 0 {
				t.Errorf("outcome = %+v, want boom and no value", o)
			}
		}},
		{"panic", func(ctx context.Context) (int, error) { panic("kaboom") }, func(t *testing.T, o bridge.Outcome[int]) {
			var pe *sc.PanicError
			if !errors.As(o.Err, &pe) || pe.Value != "kaboom" || len(pe.Stack) == 0 {
				t.Errorf("outcome = %+v, want the panic with its stack", o)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newTrackingHost()
			calls := 0
			var got bridge.Outcome[int]
			g, err := bridge.StartGuestRun(h, c.main, func(o bridge.Outcome[int]) {
				calls++
				got = o
				if !h.inCallback.Load() {
					t.Error("done ran outside a host callback")
				}
			}, quiet())
			if err != nil {
				t.Fatal(err)
			}
			bounded(t, func() { h.Run(func() bool { return calls > 0 }) })
			if err := g.Wait(context.Background()); !errors.Is(err, got.Err) {
				t.Errorf("Wait = %v, done got %v", err, got.Err)
			}
			if calls != 1 {
				t.Fatalf("done ran %d times", calls)
			}
			c.check(t, got)
		})
	}
}

// G2: right after StartGuestRun, before the host turns, the token takes
// calls and the run reports itself live.
func TestG2TokenWorksBeforeHostTurns(t *testing.T) {
	l := loop.New()
	defer l.Close()
	var ev sc.Event
	ran := false
	g, err := bridge.StartGuestRun(l, unit(ev.Wait), func(bridge.Outcome[struct{}]) { l.Stop() }, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if !bridge.InGuestRun(l) || bridge.GuestOf(l) != g {
		t.Fatal("run not visible right after StartGuestRun")
	}
	if err := g.Token().RunSyncSoon(func() { ran = true; ev.Set() }); err != nil {
		t.Fatal(err)
	}
	bounded(t, func() { l.RunForever() })
	if err := g.Wait(context.Background()); err != nil || !ran {
		t.Fatalf("err = %v, token callback ran = %v", err, ran)
	}
}

// G3: while every guest task sleeps, the host runs its own callbacks
// without the guest taking turns: during a long chain of host callbacks
// (queued past the tracking wrapper) the guest queues no tick at all.
func TestG3SleepingGuestLeavesHostAlone(t *testing.T) {
	h := newTrackingHost()
	g, err := bridge.StartGuestRun(h, unit(func(ctx context.Context) error {
		return sc.Sleep(ctx, time.Hour)
	}), func(bridge.Outcome[struct{}]) { h.Quit() }, quiet())
	if err != nil {
		t.Fatal(err)
	}
	const n = 100_000
	hostCalls := 0
	var ticksBefore int64
	var next func()
	next = func() {
		if hostCalls++; hostCalls == 1 {
			ticksBefore = h.queued.Load()
		}
		if hostCalls < n {
			h.Host.RunSyncSoonThreadsafe(next)
			return
		}
		if during := h.queued.Load() - ticksBefore; during != 0 {
			t.Errorf("the sleeping guest queued %d ticks during %d host callbacks", during, n)
		}
		g.Cancel()
	}
	// After the first tick: the guest is asleep when the chain starts.
	h.RunSyncSoonThreadsafe(func() { h.Host.RunSyncSoonThreadsafe(next) })
	bounded(t, func() { h.Run(nil) })
	if err := g.Wait(context.Background()); err != nil || hostCalls != n {
		t.Fatalf("err = %v, host callbacks = %d", err, hostCalls)
	}
}

// G4: the host sets an Event the guest waits on; with no timer pending the
// guest can only finish if the waiter is woken at once.
func TestG4HostEventWakesGuest(t *testing.T) {
	l := loop.New()
	defer l.Close()
	var ev sc.Event
	g, err := bridge.StartGuestRun(l, unit(func(ctx context.Context) error {
		l.CallLater(10*time.Millisecond, ev.Set) // host code, later
		return ev.Wait(ctx)
	}), func(bridge.Outcome[struct{}]) { l.Stop() }, quiet())
	if err != nil {
		t.Fatal(err)
	}
	bounded(t, func() { l.RunForever() })
	if err := g.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// G5: the host moves a sleeping guest scope's deadline into the past; the
// guest wakes and the scope reports cancelled-caught.
func TestG5HostMovesDeadline(t *testing.T) {
	l := loop.New()
	defer l.Close()
	var scope sc.CancelScope
	scope.SetDeadline(time.Now().Add(time.Hour))
	g, err := bridge.StartGuestRun(l, unit(func(ctx context.Context) error {
		return scope.Run(ctx, func(ctx context.Context, s *sc.CancelScope) error {
			l.CallLater(10*time.Millisecond, func() { s.SetDeadline(time.Now().Add(-time.Second)) })
			return sc.Sleep(ctx, time.Hour)
		})
	}), func(bridge.Outcome[struct{}]) { l.Stop() }, quiet())
	if err != nil {
		t.Fatal(err)
	}
	bounded(t, func() { l.RunForever() })
	if err := g.Wait(context.Background()); err != nil || !scope.CancelledCaught() {
		t.Fatalf("err = %v, cancelled caught = %v", err, scope.CancelledCaught())
	}
}

// G7: "in guest task" holds only inside guest task steps; "in guest run"
// holds in host callbacks during the run, and neither before or after.
func TestG7ContextDetection(t *testing.T) {
	h := newTrackingHost()
	if bridge.InGuestRun(h) || bridge.InGuestTask(h) {
		t.Fatal("detected a guest before the run")
	}
	var inTask, hostRun, hostTask bool
	var ev sc.Event
	finished := false
	g, err := bridge.StartGuestRun(h, unit(func(ctx context.Context) error {
		inTask = bridge.InGuestTask(h) && bridge.InGuestRun(h)
		h.RunSyncSoonThreadsafe(func() {
			hostRun, hostTask = bridge.InGuestRun(h), bridge.InGuestTask(h)
			ev.Set()
		})
		return ev.Wait(ctx)
	}), func(bridge.Outcome[struct{}]) { finished = true }, quiet())
	if err != nil {
		t.Fatal(err)
	}
	bounded(t, func() { h.Run(func() bool { return finished }) })
	g.Wait(context.Background())
	if !inTask || !hostRun || hostTask {
		t.Fatalf("in task: %v; host callback: in run %v, in task %v", inTask, hostRun, hostTask)
	}
	if bridge.InGuestRun(h) || bridge.InGuestTask(h) {
		t.Fatal("detected a guest after the run")
	}
}

// G8: a second guest on a busy host is refused; once the first finished,
// the host takes another.
func TestG8OneGuestPerHost(t *testing.T) {
	l := loop.New()
	defer l.Close()
	runs := 0
	done := func(o bridge.Outcome[struct{}]) {
		if o.Err != nil {
			t.Error(o.Err)
		}
		runs++
		l.Stop()
	}
	main := unit(sc.Checkpoint)
	if _, err := bridge.StartGuestRun(l, main, done, quiet()); err != nil {
		t.Fatal(err)
	}
	if _, err := bridge.StartGuestRun(l, main, done, quiet()); !errors.Is(err, bridge.ErrHostBusy) {
		t.Fatalf("second guest: %v, want ErrHostBusy", err)
	}
	bounded(t, func() { l.RunForever() })
	g, err := bridge.StartGuestRun(l, main, done, quiet())
	if err != nil {
		t.Fatalf("guest after the first finished: %v", err)
	}
	bounded(t, func() { l.RunForever() })
	g.Wait(context.Background())
	if runs != 2 {
		t.Fatalf("runs = %d", runs)
	}
}

// G9: a host that stops before done fired abandons the run loudly: the
// waiting side gets ErrAbandoned, a log line says so, the tasks' deferred
// code ran, done never ran.
func TestG9AbandonedGuest(t *testing.T) {
	// Guest asleep when the loop closes: the close hook unwinds it.
	sleeping := func(unwound *[]error) func(ctx context.Context) (struct{}, error) {
		return unit(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("sleeper", func(ctx context.Context) error {
					err := sc.Sleep(ctx, time.Hour)
					*unwound = append(*unwound, err)
					return err
				})
				return nil
			})
		})
	}
	// Guest busy (always runnable) when the loop closes: the last tick
	// finds the host gone.
	busy := func(unwound *[]error) func(ctx context.Context) (struct{}, error) {
		return unit(func(ctx context.Context) error {
			for {
				if err := sc.Checkpoint(ctx); err != nil {
					*unwound = append(*unwound, err)
					return err
				}
			}
		})
	}
	for name, main := range map[string]func(*[]error) func(ctx context.Context) (struct{}, error){"sleeping": sleeping, "busy": busy} {
		t.Run("loop/"+name, func(t *testing.T) {
			var logs logBuffer
			var unwound []error
			l := loop.New(loop.WithLogger(logs.logger()))
			g, err := bridge.StartGuestRun(l, main(&unwound), func(bridge.Outcome[struct{}]) { t.Error("done ran") }, quiet(), logs.option())
			if err != nil {
				t.Fatal(err)
			}
			l.CallLater(20*time.Millisecond, l.Stop)
			bounded(t, func() {
				l.RunForever()
				l.Close()
				if err := g.Wait(context.Background()); !errors.Is(err, bridge.ErrAbandoned) {
					t.Errorf("Wait = %v, want ErrAbandoned", err)
				}
			})
			checkAbandoned(t, unwound, logs.String())
		})
	}
	t.Run("foreign/sleeping", func(t *testing.T) {
		var logs logBuffer
		var unwound []error
		h := testhost.NewUnlocked()
		g, err := bridge.StartGuestRun(h, unit(func(ctx context.Context) error {
			h.RunSyncSoonThreadsafe(h.Quit) // the host quits while the guest sleeps
			err := sc.Sleep(ctx, 50*time.Millisecond)
			unwound = append(unwound, err)
			return err
		}), func(bridge.Outcome[struct{}]) { t.Error("done ran") }, quiet(), logs.option())
		if err != nil {
			t.Fatal(err)
		}
		bounded(t, func() {
			h.Run(nil)
			if err := g.Wait(context.Background()); !errors.Is(err, bridge.ErrAbandoned) || !errors.Is(err, testhost.ErrQuit) {
				t.Errorf("Wait = %v, want ErrAbandoned with the host's error", err)
			}
		})
		checkAbandoned(t, unwound, logs.String())
	})
}

func checkAbandoned(t *testing.T, unwound []error, logs string) {
	t.Helper()
	if len(unwound) != 1 || !errors.Is(unwound[0], sc.ErrRunFinished) {
		t.Errorf("task unwound with %v, want ErrRunFinished", unwound)
	}
	if !strings.Contains(logs, "guest run abandoned") {
		t.Errorf("no log line about the abandoned run:\n%s", logs)
	}
}

// G9 through RunGuest: the loop closes while its task waits for the guest;
// RunGuest returns a *TranslationError matching ErrAbandoned.
func TestG9RunGuestLoopClosesFirst(t *testing.T) {
	var logs logBuffer
	l := loop.New(loop.WithLogger(logs.logger()))
	host := l.Spawn("host", func(ctx context.Context) error {
		_, err := bridge.RunGuest(ctx, unit(sc.SleepForever), quiet(), logs.option())
		return err
	})
	l.CallLater(20*time.Millisecond, l.Stop)
	bounded(t, func() {
		l.RunForever()
		l.Close()
	})
	var te *bridge.TranslationError
	if err := host.Err(); !errors.As(err, &te) || !errors.Is(err, bridge.ErrAbandoned) {
		t.Fatalf("RunGuest = %v, want a *TranslationError matching ErrAbandoned", err)
	}
}

// G11 (and RunGuest's pump): cancelling the host task that runs a guest
// cancels the guest, whose tasks clean up (awaiting again while they do),
// and RunGuest returns only after the guest finished.
func TestG11HostCancelPumpsGuestToCompletion(t *testing.T) {
	var cleaned []string
	err := loop.Run(func(ctx context.Context) error {
		loop.FromContext(ctx).CallLater(20*time.Millisecond, func() { loop.CurrentTask(ctx).Cancel() })
		v, err := bridge.RunGuest(ctx, func(ctx context.Context) (string, error) {
			err := sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				for _, name := range []string{"a", "b"} {
					n.StartSoon(name, func(ctx context.Context) error {
						err := sc.SleepForever(ctx)
						// Cleanup that itself waits, shielded from the cancel.
						sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
							s.SetShield(true)
							return sc.Sleep(ctx, 5*time.Millisecond)
						})
						cleaned = append(cleaned, name)
						return err
					})
				}
				return nil
			})
			return "finished", err
		}, quiet())
		if len(cleaned) != 2 {
			t.Errorf("RunGuest returned before the guest cleaned up: %v", cleaned)
		}
		if !errors.Is(err, loop.ErrCancelled) || v != "finished" {
			t.Errorf("RunGuest = %q, %v; want the guest's value and ErrCancelled", v, err)
		}
		return nil
	}, loop.WithSIGINTPolicy(false))
	if err != nil {
		t.Fatal(err)
	}
}

// A guest tick holds the host for at most its slice plus its first batch
// (the clock starts after it): with tasks always runnable, the host still
// runs its own callbacks that often,
// and within the slice the guest runs batch after batch without a host
// round trip. The slice is measured on a fake clock on which each guest
// task step takes 10 µs, so the bound is checked exactly, not against the
// machine's speed.
func TestGuestTickSlice(t *testing.T) {
	const step = 10 * time.Microsecond
	tests := []struct {
		name      string
		tasks     int
		slice     time.Duration
		wantSteps int // guest steps between two host callbacks, at most (and, with a slice, at least)
	}{
		{"one batch per tick", 10, 0, 10},
		{"one busy task", 1, time.Millisecond, 1 + 100},    // the first batch, then 100 of one step
		{"ten busy tasks", 10, time.Millisecond, 10 + 100}, // the first batch, then 10 of ten steps
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const turns = 200
			steps, maxSteps, maxGap, last := 0, 0, time.Duration(0), 0
			fake := func() time.Duration { return time.Duration(steps) * step }
			restore := bridge.SetTickClock(fake)
			defer restore()
			var lastTime time.Duration
			err := loop.Run(func(ctx context.Context) error {
				l := loop.FromContext(ctx)
				_, err := bridge.RunGuest(ctx, unit(func(ctx context.Context) error {
					return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
						busyTasks(n, tt.tasks, &steps)
						var ev sc.Event
						hostChain(l, turns, func() {
							maxSteps = max(maxSteps, steps-last)
							maxGap = max(maxGap, fake()-lastTime)
							last, lastTime = steps, fake()
						}, ev.Set)
						if err := ev.Wait(ctx); err != nil {
							return err
						}
						n.CancelScope().Cancel()
						return nil
					})
				}), quiet(), bridge.WithTickSlice(tt.slice))
				return err
			}, loop.WithSIGINTPolicy(false))
			if err != nil {
				t.Fatal(err)
			}
			if limit := tt.slice + time.Duration(tt.tasks)*step; tt.slice > 0 && maxGap > limit {
				t.Errorf("the guest held the host for %v of tick clock between two host callbacks; want at most %v", maxGap, limit)
			}
			if maxSteps > tt.wantSteps {
				t.Errorf("up to %d guest steps between two host callbacks; want at most %d", maxSteps, tt.wantSteps)
			}
			if tt.slice > 0 && maxSteps < tt.wantSteps {
				t.Errorf("at most %d guest steps between two host callbacks; want %d: the tick should run batches back to back for its whole slice", maxSteps, tt.wantSteps)
			}
			if steps < tt.tasks*turns/2 {
				t.Errorf("only %d guest steps in all", steps)
			}
		})
	}
}

func TestTickSliceInvalid(t *testing.T) {
	h := testhost.NewUnlocked()
	_, err := bridge.StartGuestRun(h, unit(sc.Checkpoint), nil, bridge.WithTickSlice(-time.Millisecond))
	if err == nil || !strings.Contains(err.Error(), "WithTickSlice") || !strings.Contains(err.Error(), "StartGuestRun") {
		t.Fatalf("err = %v; want an error of StartGuestRun naming WithTickSlice", err)
	}
	err = loop.Run(func(ctx context.Context) error {
		_, err := bridge.RunGuest(ctx, unit(sc.Checkpoint), bridge.WithTickSlice(-1))
		return err
	}, loop.WithSIGINTPolicy(false))
	if err == nil || !strings.Contains(err.Error(), "WithTickSlice") || !strings.Contains(err.Error(), "RunGuest") {
		t.Fatalf("err = %v; want an error of RunGuest naming WithTickSlice", err)
	}
}

// A host task may put into a guest's inbox directly, as host callbacks
// may: the loop vouches for its tasks' coroutines.
func TestHostTaskPutsIntoGuestInbox(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		in := sc.NewInbox[int](sc.CurrentTask(ctx).Runner(), 1)
		if _, err := bridge.RunHostTask(ctx, func(context.Context) (struct{}, error) {
			return struct{}{}, in.Put(5)
		}); err != nil {
			return err
		}
		if v, err := in.Receive(ctx); v != 5 || err != nil {
			t.Errorf("Receive = %d, %v; want 5", v, err)
		}
		return nil
	})
}
