package loop

import (
	"context"
	"sync"
	"testing"
	"time"
)

// BenchmarkCallSoon: queue a callback from the loop and run it.
func BenchmarkCallSoon(b *testing.B) {
	l := New()
	defer l.Close()
	n := 0
	var fn func()
	fn = func() {
		n++
		if n < b.N {
			l.CallSoon(fn)
		} else {
			l.Stop()
		}
	}
	l.CallSoon(fn)
	b.ReportAllocs()
	b.ResetTimer()
	l.RunForever()
}

// BenchmarkCallSoonThreadsafe: two producer goroutines queue b.N callbacks
// in total; the loop runs them all.
func BenchmarkCallSoonThreadsafe(b *testing.B) {
	l := New()
	defer l.Close()
	remaining := b.N
	fn := func() {
		remaining--
		if remaining == 0 {
			l.Stop()
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for p := range 2 {
		k := b.N / 2
		if p == 0 {
			k = b.N - b.N/2
		}
		wg.Go(func() {
			for range k {
				l.CallSoonThreadsafe(fn)
			}
		})
	}
	l.RunForever()
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "callbacks/s")
}

// BenchmarkAwaitFuture: a task awaits a future that a callback resolves;
// one op is the round trip.
func BenchmarkAwaitFuture(b *testing.B) {
	l := New()
	defer l.Close()
	var f *Future[int]
	resolve := func() { f.SetResult(1) }
	task := l.Spawn("bench", func(ctx context.Context) error {
		for range b.N {
			f = NewFuture[int](l)
			l.CallSoon(resolve)
			if _, err := Await(ctx, f); err != nil {
				return err
			}
		}
		return nil
	})
	b.ReportAllocs()
	b.ResetTimer()
	if err := l.RunUntilComplete(task); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSleep0: a task's Sleep(0) round trip through the loop.
func BenchmarkSleep0(b *testing.B) {
	l := New()
	defer l.Close()
	task := l.Spawn("bench", func(ctx context.Context) error {
		for range b.N {
			if err := Sleep(ctx, 0); err != nil {
				return err
			}
		}
		return nil
	})
	b.ReportAllocs()
	b.ResetTimer()
	if err := l.RunUntilComplete(task); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkYield: as BenchmarkSleep0, with two tasks taking turns.
func BenchmarkYield(b *testing.B) {
	l := New()
	defer l.Close()
	body := func(ctx context.Context) error {
		for range b.N / 2 {
			if err := Yield(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	t1 := l.Spawn("a", body)
	t2 := l.Spawn("b", body)
	b.ReportAllocs()
	b.ResetTimer()
	if err := l.RunUntilComplete(t1); err != nil {
		b.Fatal(err)
	}
	if err := l.RunUntilComplete(t2); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTimer: CallLater(0) scheduled and fired through the heap.
func BenchmarkTimer(b *testing.B) {
	l := New()
	defer l.Close()
	n := 0
	var fn func()
	fn = func() {
		n++
		if n < b.N {
			l.CallLater(0, fn)
		} else {
			l.Stop()
		}
	}
	l.CallSoon(fn)
	b.ReportAllocs()
	b.ResetTimer()
	l.RunForever()
}

// BenchmarkRunWithStopPolicy is a whole Run of a main that returns at
// once, with the stop policy (claiming SIGINT and SIGTERM on the signal
// guard, which starts its goroutine and notifies both, then gives them
// back), beside BenchmarkRunWithoutStopPolicy.
func BenchmarkRunWithStopPolicy(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := Run(func(ctx context.Context) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRunWithoutStopPolicy(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := Run(func(ctx context.Context) error { return nil }, WithSIGINTPolicy(false)); err != nil {
			b.Fatal(err)
		}
	}
}
