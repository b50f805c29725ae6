package sc_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// One tick runs one batch: tasks made runnable during the batch (here by
// their own checkpoints) wait for the next tick.
func TestTickRunsOneBatch(t *testing.T) {
	steps := 0
	r := sc.NewRunner(func(ctx context.Context) error {
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			for range 2 {
				n.StartSoon("stepper", func(ctx context.Context) error {
					for range 3 {
						steps++
						if err := sc.Checkpoint(ctx); err != nil {
							return err
						}
					}
					return nil
				})
			}
			return nil
		})
	})
	if steps != 0 {
		t.Fatal("NewRunner ran a task step")
	}
	want := []int{0, 2, 4, 6, 6}
	for i, w := range want {
		res := r.Tick()
		if steps != w {
			t.Fatalf("after tick %d: %d steps, want %d", i+1, steps, w)
		}
		if res.Finished {
			t.Fatalf("finished early at tick %d", i+1)
		}
		if !res.Runnable {
			t.Fatalf("tick %d: nothing runnable", i+1)
		}
	}
	if res := r.Tick(); !res.Finished || r.Outcome() != nil {
		t.Fatalf("res = %+v, outcome = %v", res, r.Outcome())
	}
	if res := r.Tick(); !res.Finished {
		t.Fatal("a tick after the end must report Finished")
	}
}

// Tick reports the earliest deadline when nothing is runnable.
func TestTickReportsDeadline(t *testing.T) {
	clock := sc.NewMockClock(false)
	r := sc.NewRunner(func(ctx context.Context) error {
		return sc.Sleep(ctx, time.Minute)
	}, sc.WithClock(clock))
	res := r.Tick()
	if res.Runnable || res.Finished || !res.Deadline.Equal(clock.Now().Add(time.Minute)) {
		t.Fatalf("res = %+v", res)
	}
	woke := make(chan struct{})
	go func() { r.Wait(res.Deadline); close(woke) }()
	clock.Advance(time.Minute) // wakes the waiter
	<-woke
	for !r.Tick().Finished {
	}
	if r.Outcome() != nil {
		t.Fatal(r.Outcome())
	}
}

// Wait returns on Wake from another goroutine, and at once for a past
// deadline; repeated wakes before a Wait fold into one.
func TestWaitAndWake(t *testing.T) {
	r := sc.NewRunner(func(ctx context.Context) error { return nil })
	// No wake is pending, so only the past deadline can end this Wait (a
	// hang here fails the test by its timeout).
	r.Wait(time.Now().Add(-time.Second))

	// Two wakes fold into one: the first Wait consumes it, and the next
	// Wait (no deadline) returns only on the third Wake. If the wakes did
	// not fold, that Wait could return before third is set.
	r.Wake()
	r.Wake()
	r.Wait(time.Time{})
	var third atomic.Bool
	sawThird := make(chan bool, 1)
	go func() {
		r.Wait(time.Time{}) // a Wake from another goroutine ends it
		sawThird <- third.Load()
	}()
	third.Store(true)
	r.Wake()
	if !<-sawThird {
		t.Fatal("Wait returned on a wake that should have folded into an earlier one")
	}
	if err := driveNative(r); err != nil {
		t.Fatal(err)
	}
}

func TestNilMain(t *testing.T) {
	if err := sc.Run(nil); err == nil {
		t.Fatal("nil main accepted")
	}
	r := sc.NewRunner(nil)
	if err := r.Token().RunSync(func() error { return nil }); !errors.Is(err, sc.ErrRunFinished) {
		t.Fatalf("token of a nil-main runner: %v", err)
	}
}

// InTaskStep is true inside a task step and false in host code between
// ticks and in token code.
func TestInTaskStep(t *testing.T) {
	var r *sc.Runner
	var inTask, inToken bool
	var ev sc.Event
	r = sc.NewRunner(func(ctx context.Context) error {
		inTask = r.InTaskStep()
		return ev.Wait(ctx)
	})
	tokenErr := make(chan error, 1)
	go func() {
		tokenErr <- r.Token().RunSync(func() error { inToken = r.InTaskStep(); ev.Set(); return nil })
	}()
	if r.InTaskStep() {
		t.Fatal("true before the run")
	}
	for {
		res := r.Tick()
		if r.InTaskStep() {
			t.Fatal("true between ticks")
		}
		if res.Finished {
			break
		}
		if !res.Runnable {
			r.Wait(res.Deadline)
		}
	}
	if err := <-tokenErr; err != nil || !inTask || inToken {
		t.Fatalf("token: %v, inTask = %v, inToken = %v", err, inTask, inToken)
	}
}
