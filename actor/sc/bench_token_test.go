package sc_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/hitchrt/hitch/actor/sc"
)

// The routes between plain goroutines and tasks, which the actor runtime
// takes on every message:
//
//	go test -run '^$' -bench 'Token|ToGoroutine|InboxDeliver' -benchmem ./actor/sc/

// BenchmarkTokenRunSync: a plain goroutine runs a trivial function inside
// the runner and waits for it, b.N times; the runner's only task is parked.
// ns/op is one round trip goroutine -> runner -> goroutine.
func BenchmarkTokenRunSync(b *testing.B) {
	b.ReportAllocs()
	fn := func() error { return nil }
	err := sc.Run(func(ctx context.Context) error {
		tk := runnerOf(ctx).Token()
		b.ResetTimer()
		return sc.ToGoroutine(ctx, func(context.Context) error {
			for range b.N {
				if err := tk.RunSync(fn); err != nil {
					return err
				}
			}
			return nil
		}, false)
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTokenRunSyncSoon: a plain goroutine queues b.N calls of one
// func value without waiting; ns/op is the cost per call until the last
// has run.
func BenchmarkTokenRunSyncSoon(b *testing.B) {
	b.ReportAllocs()
	err := sc.Run(func(ctx context.Context) error {
		tk := runnerOf(ctx).Token()
		var done sc.Event
		n := 0
		fn := func() {
			if n++; n == b.N {
				done.Set()
			}
		}
		b.ResetTimer()
		go func() {
			for range b.N {
				if err := tk.RunSyncSoon(fn); err != nil {
					b.Error(err)
					return
				}
			}
		}()
		return done.Wait(ctx)
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkToGoroutine: a task offloads a trivial function to a goroutine
// and waits for it (parked), b.N times. ns/op is one offload round trip.
func BenchmarkToGoroutine(b *testing.B) {
	b.ReportAllocs()
	fn := func(context.Context) error { return nil }
	err := sc.Run(func(ctx context.Context) error {
		b.ResetTimer()
		for range b.N {
			if err := sc.ToGoroutine(ctx, fn, false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkInboxDeliver: a plain goroutine delivers b.N values into an
// inbox (capacity 1024) and a task receives them; ns/op is per value, from
// the goroutine's Deliver to the task's Receive. The goroutine keeps at
// most half the capacity in flight, as a source with flow control would,
// so nothing is lost.
func BenchmarkInboxDeliver(b *testing.B) {
	const capacity = 1024
	b.ReportAllocs()
	var received atomic.Int64
	err := sc.Run(func(ctx context.Context) error {
		in := sc.NewInbox[int](runnerOf(ctx), capacity)
		b.ResetTimer()
		go func() {
			for i := range b.N {
				for int64(i)-received.Load() >= capacity/2 {
					runtime.Gosched()
				}
				if err := in.Deliver(i); err != nil {
					b.Error(err)
					return
				}
			}
		}()
		for range b.N {
			if _, err := in.Receive(ctx); err != nil {
				return err
			}
			received.Add(1)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
