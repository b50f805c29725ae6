package loop

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(childMain(mode))
	}
	goleak.VerifyTestMain(m)
}

// newLoop makes a loop closed at the end of the test; reports go to
// t.Logf unless the test sets its own handler.
func newLoop(t *testing.T, opts ...Option) *Loop {
	t.Helper()
	opts = append([]Option{WithExceptionHandler(func(ec ExceptionContext) {
		t.Logf("exception: %s: %v", ec.Message, ec.Err)
	})}, opts...)
	l := New(opts...)
	t.Cleanup(func() { l.Close() })
	return l
}

// runMain runs fn as a task until it ends, failing after 10 s.
func runMain(t *testing.T, l *Loop, fn func(ctx context.Context) error) error {
	t.Helper()
	task := l.Spawn("main", fn)
	watchdog := time.AfterFunc(10*time.Second, l.Stop)
	defer watchdog.Stop()
	err := l.RunUntilComplete(task)
	if errors.Is(err, ErrStopped) {
		t.Fatal("main task did not finish within 10s")
	}
	return err
}

// L1: CallSoon callbacks run in FIFO order, including those queued by
// callbacks; each batch runs only what was queued before it.
func TestCallSoonFIFO(t *testing.T) {
	l := newLoop(t)
	var got []int
	for i := range 5 {
		l.CallSoon(func() {
			got = append(got, i)
			if i == 0 {
				l.CallSoon(func() { got = append(got, 100) })
			}
		})
	}
	l.CallSoon(l.Stop)
	if err := l.RunForever(); err != nil {
		t.Fatal(err)
	}
	l.CallSoon(l.Stop)
	if err := l.RunForever(); err != nil {
		t.Fatal(err)
	}
	want := []int{0, 1, 2, 3, 4, 100}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// L1: CallSoonThreadsafe from 8 goroutines x 10k calls delivers each call
// exactly once, in per-producer order, on the loop goroutine.
func TestCallSoonThreadsafeManyProducers(t *testing.T) {
	const producers, calls = 8, 10000
	l := newLoop(t)
	var next [producers]int // loop-owned: the race detector checks that
	var bad []string
	remaining := producers * calls
	loopG := make(chan struct{})
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			<-loopG
			for i := range calls {
				if err := l.CallSoonThreadsafe(func() {
					if next[p] != i {
						bad = append(bad, "out of order")
					}
					next[p] = i + 1
					if !l.inStep.Load() {
						bad = append(bad, "ran outside a loop batch")
					}
					remaining--
					if remaining == 0 {
						l.Stop()
					}
				}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	l.CallSoon(func() { close(loopG) })
	watchdog := time.AfterFunc(20*time.Second, l.Stop)
	defer watchdog.Stop()
	if err := l.RunForever(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if remaining != 0 {
		t.Fatalf("%d callbacks not delivered", remaining)
	}
	for p := range producers {
		if next[p] != calls {
			t.Fatalf("producer %d: %d delivered, want %d", p, next[p], calls)
		}
	}
	if len(bad) > 0 {
		t.Fatalf("%d bad deliveries, first: %s", len(bad), bad[0])
	}
}

// L2: timers fire in deadline order, never early; a cancelled timer never
// fires; ties fire in scheduling order.
func TestTimers(t *testing.T) {
	l := newLoop(t)
	type fired struct {
		id       int
		at, when time.Time
	}
	var got []fired
	delays := []time.Duration{30, 5, 20, 1, 25, 10, 10, 15}
	order := rand.Perm(len(delays))
	cancelled := map[int]bool{2: true, 6: true}
	var handles []*Timer
	for _, i := range order {
		d := delays[i] * time.Millisecond
		var tm *Timer
		tm = l.CallLater(d, func() { got = append(got, fired{i, l.Now(), tm.When()}) })
		handles = append(handles, tm)
	}
	for k, i := range order {
		if cancelled[i] && !handles[k].Cancel() {
			t.Fatalf("cancel of pending timer %d returned false", i)
		}
		if cancelled[i] && handles[k].Cancel() {
			t.Fatalf("second cancel of timer %d returned true", i)
		}
	}
	l.CallAt(l.Now().Add(40*time.Millisecond), l.Stop)
	watchdog := time.AfterFunc(10*time.Second, l.Stop)
	defer watchdog.Stop()
	if err := l.RunForever(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(delays)-len(cancelled) {
		t.Fatalf("%d timers fired, want %d", len(got), len(delays)-len(cancelled))
	}
	for k, f := range got {
		if cancelled[f.id] {
			t.Fatalf("cancelled timer %d fired", f.id)
		}
		if f.at.Before(f.when) {
			t.Fatalf("timer %d fired %v early", f.id, f.when.Sub(f.at))
		}
		if k > 0 && f.when.Before(got[k-1].when) {
			t.Fatalf("timer %d (due %v) fired after one due later", f.id, f.when)
		}
	}
	for k, tm := range handles {
		if tm.Cancel() {
			t.Fatalf("cancel after firing of timer %d returned true", order[k])
		}
	}
}

// L2: timers due at the same instant run in the order they were made.
func TestTimersSameDeadlineFIFO(t *testing.T) {
	l := newLoop(t)
	at := l.Now().Add(time.Millisecond)
	var got []int
	for i := range 10 {
		l.CallAt(at, func() { got = append(got, i) })
	}
	l.CallAt(at, l.Stop)
	if err := l.RunForever(); err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("got %v", got)
		}
	}
}

// Driving misuse: running twice, closing while running, stopping early.
func TestDriving(t *testing.T) {
	l := newLoop(t)
	never := NewFuture[int](l)
	l.CallSoon(func() {
		if err := l.RunForever(); !errors.Is(err, ErrRunning) {
			t.Errorf("nested RunForever = %v", err)
		}
		if err := l.Close(); !errors.Is(err, ErrRunning) {
			t.Errorf("Close while running = %v", err)
		}
		l.Stop()
	})
	if err := l.RunUntilComplete(never); !errors.Is(err, ErrStopped) {
		t.Fatalf("RunUntilComplete stopped early = %v", err)
	}
	if err := l.CallSoonThreadsafe(nil); err == nil {
		t.Fatal("nil func accepted")
	}
	other := New()
	defer other.Close()
	if err := l.RunUntilComplete(NewFuture[int](other)); !errors.Is(err, ErrMisuse) {
		t.Fatalf("foreign future = %v", err)
	}
}
