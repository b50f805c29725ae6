package sc_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/internal/gid"
)

// nowAttempt calls RunSyncNow with fn and reports whether fn ran on the
// calling goroutine before the call returned.
func nowAttempt(tk *sc.Token, fn func()) (inline bool, err error) {
	caller := gid.Current()
	var on atomic.Bool
	err = tk.RunSyncNow(func() {
		on.Store(gid.Current() == caller)
		fn()
	})
	return on.Load(), err
}

// untilInline retries attempt, giving the runner time to go idle between
// tries, until one ran inline; it fails the test when none did.
func untilInline(t *testing.T, attempt func() (bool, error)) {
	t.Helper()
	if gid.Current() == 0 {
		t.Skip("no goroutine identity on this platform")
	}
	for i := range 2000 {
		inline, err := attempt()
		if err != nil {
			t.Fatal(err)
		}
		if inline {
			return
		}
		time.Sleep(time.Duration(i%20) * 50 * time.Microsecond) // let the runner park
	}
	t.Fatal("RunSyncNow never drove the idle runner")
}

// When Run waits idle, RunSyncNow runs fn on its caller's goroutine, and
// the task step fn makes runnable before it returns; blocking token calls
// from fn fail as from the driving goroutine.
func TestRunSyncNowDrivesIdleRunner(t *testing.T) {
	acks := make(chan int, 4096)
	start := make(chan *sc.Token, 1)
	var in *sc.Inbox[int]
	errc := make(chan error, 1)
	go func() {
		err := sc.Run(func(ctx context.Context) error {
			r := sc.CurrentTask(ctx).Runner()
			in = sc.NewInbox[int](r, 8)
			start <- r.Token()
			for {
				v, err := in.Receive(ctx)
				if err != nil || v < 0 {
					return err
				}
				acks <- v // never blocks: one per attempt
			}
		}, sc.WithInlineDrive())
		errc <- err
	}()
	tk := <-start
	n := 0
	untilInline(t, func() (bool, error) {
		n++
		var inside error
		inline, err := nowAttempt(tk, func() {
			inside = tk.RunSync(func() error { return nil })
			_ = in.Put(n)
		})
		if err != nil {
			return false, err
		}
		if !inline {
			<-acks
			return false, nil
		}
		if !errors.Is(inside, sc.ErrInsideRunner) {
			return false, fmt.Errorf("RunSync from an inline RunSyncNow function: %v, want ErrInsideRunner", inside)
		}
		select {
		case v := <-acks:
			if v != n {
				return false, fmt.Errorf("main received %d, want %d", v, n)
			}
		default:
			return false, errors.New("RunSyncNow returned before the task it woke ran")
		}
		return true, nil
	})
	// Plain goroutines still reach the runner with blocking calls.
	if err := tk.RunSync(func() error { return in.Put(-1) }); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// Calls from one goroutine run in the order made, whether queued
// (RunSyncSoon, Inbox.Deliver) or driven (RunSyncNow, Inbox.DeliverNow).
func TestRunSyncNowKeepsOrder(t *testing.T) {
	const rounds = 500
	var got []int // runner-owned
	err := sc.Run(func(ctx context.Context) error {
		r := sc.CurrentTask(ctx).Runner()
		tk := r.Token()
		in := sc.NewInbox[int](r, 4*rounds)
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("feeder", func(ctx context.Context) error {
				return sc.ToGoroutine(ctx, func(context.Context) error {
					add := func(i int) func() { return func() { got = append(got, i) } }
					for i := range rounds {
						_ = tk.RunSyncNow(add(4 * i))
						_ = tk.RunSyncSoon(add(4*i + 1))
						_ = in.DeliverNow(4*i + 2)
						_ = in.Deliver(4*i + 3)
						if i%2 == 1 {
							_ = tk.RunSyncSoon(add(-1)) // taken out below
							_ = tk.RunSyncNow(add(-2))
						}
					}
					return nil
				}, false)
			})
			var vals []int
			for len(vals) < 2*rounds {
				v, err := in.Receive(ctx)
				if err != nil {
					return err
				}
				vals = append(vals, v)
			}
			for i, v := range vals {
				if want := 4*(i/2) + 2 + i%2; v != want {
					return fmt.Errorf("inbox value %d is %d, want %d", i, v, want)
				}
			}
			return nil
		})
	}, sc.WithInlineDrive())
	if err != nil {
		t.Fatal(err)
	}
	var extra []int
	got, extra = splitExtra(got)
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i] != -1 || extra[i+1] != -2 {
			t.Fatalf("RunSyncSoon then RunSyncNow ran as %v", extra[i:i+2])
		}
	}
	if len(got) != 2*rounds || len(extra) != rounds {
		t.Fatalf("%d+%d functions ran, want %d+%d", len(got), len(extra), 2*rounds, rounds)
	}
	for i, v := range got {
		if want := 4*(i/2) + i%2; v != want {
			t.Fatalf("function %d ran with %d, want %d", i, v, want)
		}
	}
}

// splitExtra takes the negative values out of got, keeping both orders.
func splitExtra(got []int) (rest, extra []int) {
	for _, v := range got {
		if v < 0 {
			extra = append(extra, v)
		} else {
			rest = append(rest, v)
		}
	}
	return rest, extra
}

// inlineWake runs main, which waits for an event the test sets from a
// plain goroutine with RunSyncNow (until one call runs inline), then runs
// after; it returns Run's outcome.
func inlineWake(t *testing.T, after func(ctx context.Context) error, opts ...sc.Option) error {
	t.Helper()
	start := make(chan *sc.Token, 1)
	var ev sc.Event
	woken := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- sc.Run(func(ctx context.Context) error {
			start <- sc.CurrentTask(ctx).Runner().Token()
			if err := ev.Wait(ctx); err != nil {
				return err
			}
			close(woken)
			return after(ctx)
		}, append(opts, sc.WithInlineDrive())...)
	}()
	tk := <-start
	untilInline(t, func() (bool, error) {
		select {
		case <-woken:
			return true, nil // an earlier queued call woke it; that path works too
		default:
		}
		inline, err := nowAttempt(tk, ev.Set)
		if errors.Is(err, sc.ErrRunFinished) {
			return true, nil
		}
		return inline, err
	})
	return <-errc
}

// A deadline set by a task step that ran inline, earlier than what Run
// waits for (nothing), wakes Run's goroutine; so does the end of the run.
func TestRunSyncNowEarlierDeadlineWakesDriver(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []sc.Option
	}{{"wall", nil}, {"mock", []sc.Option{mock()}}} {
		t.Run(c.name, func(t *testing.T) {
			err := inlineWake(t, func(ctx context.Context) error {
				return sc.Sleep(ctx, 5*time.Millisecond)
			}, c.opts...)
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The run can finish inside an inline drive: Run returns its outcome.
func TestRunSyncNowFinishesRun(t *testing.T) {
	if err := inlineWake(t, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := inlineWake(t, func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Run: %v, want boom", err)
	}
	err := inlineWake(t, func(context.Context) error { panic("task panic") })
	var pe *sc.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Run: %v, want a *PanicError", err)
	}
}

// WaitAllTasksBlocked still sees the run go idle after inline activity.
func TestRunSyncNowWaitAllTasksBlocked(t *testing.T) {
	err := inlineWake(t, func(ctx context.Context) error {
		return sc.WaitAllTasksBlocked(ctx, time.Millisecond)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A panic in a RunSyncNow function fails the run as with RunSyncSoon.
func TestRunSyncNowFunctionPanics(t *testing.T) {
	start := make(chan *sc.Token, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- sc.Run(func(ctx context.Context) error {
			start <- sc.CurrentTask(ctx).Runner().Token()
			return sc.SleepForever(ctx)
		}, sc.WithInlineDrive())
	}()
	tk := <-start
	_ = tk.RunSyncNow(func() { panic("job panic") })
	err := <-errc
	var pe *sc.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Run: %v, want a *PanicError", err)
	}
	if err := tk.RunSyncNow(func() {}); !errors.Is(err, sc.ErrRunFinished) {
		t.Fatalf("RunSyncNow after the end: %v, want ErrRunFinished", err)
	}
}

// From a task step, RunSyncNow queues: fn runs after the step, not in it.
func TestRunSyncNowFromTaskQueues(t *testing.T) {
	err := sc.Run(func(ctx context.Context) error {
		tk := sc.CurrentTask(ctx).Runner().Token()
		var ev sc.Event
		ran := false
		if err := tk.RunSyncNow(func() { ran = true; ev.Set() }); err != nil {
			return err
		}
		if ran {
			return errors.New("RunSyncNow ran its function inside the calling task step")
		}
		return ev.Wait(ctx)
	}, sc.WithInlineDrive())
	if err != nil {
		t.Fatal(err)
	}
}

// NewRunner refuses WithInlineDrive: only Run honours it.
func TestInlineDriveIsForRunOnly(t *testing.T) {
	r := sc.NewRunner(func(context.Context) error { return nil }, sc.WithInlineDrive())
	if res := r.Tick(); !res.Finished || r.Outcome() == nil {
		t.Fatalf("Tick: %+v, outcome %v; want a finished run with an error", res, r.Outcome())
	}
}

// Many goroutines driving and queueing at once, with tasks sleeping and
// waking each other: every call runs once, and the race detector sees the
// hand-offs of the drive role.
func TestRunSyncNowConcurrent(t *testing.T) {
	const goroutines, each = 4, 300
	count := 0 // runner-owned
	err := sc.Run(func(ctx context.Context) error {
		r := sc.CurrentTask(ctx).Runner()
		tk := r.Token()
		in := sc.NewInbox[int](r, goroutines*each)
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("ticker", func(ctx context.Context) error {
				for i := 0; i < 50; i++ {
					if err := sc.Sleep(ctx, 100*time.Microsecond); err != nil {
						return err
					}
				}
				return nil
			})
			inc := func() { count++ }
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						if (g+i)%2 == 0 {
							_ = tk.RunSyncNow(inc)
							_ = in.DeliverNow(i)
						} else {
							_ = tk.RunSyncSoon(inc)
							_ = in.Deliver(i)
						}
					}
				}()
			}
			for range goroutines * each {
				if _, err := in.Receive(ctx); err != nil {
					return err
				}
			}
			if err := sc.ToGoroutine(ctx, func(context.Context) error { wg.Wait(); return nil }, false); err != nil {
				return err
			}
			// Every increment ran or was queued before its goroutine
			// moved on; a function queued now runs after the queued ones.
			var ev sc.Event
			if err := tk.RunSyncSoon(ev.Set); err != nil {
				return err
			}
			return ev.Wait(ctx)
		})
	}, sc.WithInlineDrive())
	if err != nil {
		t.Fatal(err)
	}
	if count != goroutines*each {
		t.Fatalf("count %d, want %d", count, goroutines*each)
	}
}

// A Run whose caller is locked to its OS thread is still driven inline:
// Run drives from a goroutine of its own, so the coroutines of its tasks
// can be switched by RunSyncNow's callers (the runtime refuses to switch
// a coroutine under another thread-lock state, fatally).
func TestInlineDriveFromLockedCaller(t *testing.T) {
	errc := make(chan error, 1)
	start := make(chan *sc.Token, 1)
	var in *sc.Inbox[int]
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		errc <- sc.Run(func(ctx context.Context) error {
			r := sc.CurrentTask(ctx).Runner()
			in = sc.NewInbox[int](r, 8)
			start <- r.Token()
			for {
				v, err := in.Receive(ctx)
				if err != nil || v < 0 {
					return err
				}
			}
		}, sc.WithInlineDrive())
	}()
	tk := <-start
	n := 0
	untilInline(t, func() (bool, error) {
		n++
		v := n // a queued attempt runs later, on the runner's goroutine
		return nowAttempt(tk, func() { _ = in.Put(v) })
	})
	if err := tk.RunSync(func() error { return in.Put(-1) }); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
