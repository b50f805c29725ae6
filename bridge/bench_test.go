package bridge_test

import (
	"context"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/internal/testhost"
	"github.com/hitchrt/hitch/loop"
)

// pingPong is the checkpoint-heavy workload both drivers run: pairs of
// tasks bouncing values through unbuffered memory channels, n hand-offs in
// all (each one a switch through the scheduler).
func pingPong(b *testing.B, pairs int) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		per := b.N / pairs / 2
		if per == 0 {
			per = 1
		}
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			b.ResetTimer()
			for range pairs {
				ping, pong := sc.NewChannel[int](0)
				back, forth := sc.NewChannel[int](0)
				n.StartSoon("ping", func(ctx context.Context) error {
					for i := range per {
						if err := ping.Send(ctx, i); err != nil {
							return err
						}
						if _, err := forth.Receive(ctx); err != nil {
							return err
						}
					}
					return nil
				})
				n.StartSoon("pong", func(ctx context.Context) error {
					for range per {
						v, err := pong.Receive(ctx)
						if err != nil {
							return err
						}
						if err := back.Send(ctx, v); err != nil {
							return err
						}
					}
					return nil
				})
			}
			return nil
		})
	}
}

const benchPairs = 50

// BenchmarkNativePingPong: the workload under sc.Run. ns/op is per
// channel hand-off.
func BenchmarkNativePingPong(b *testing.B) {
	b.ReportAllocs()
	if err := sc.Run(pingPong(b, benchPairs)); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkGuestPingPong: the same workload as a guest of loop.Loop.
func BenchmarkGuestPingPong(b *testing.B) {
	b.ReportAllocs()
	err := loop.Run(func(ctx context.Context) error {
		_, err := bridge.RunGuest(ctx, unit(pingPong(b, benchPairs)), quiet())
		return err
	}, loop.WithSIGINTPolicy(false))
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkGuestPingPongForeignHost: the same workload as a guest of a
// foreign chan-func loop locked to its OS thread.
func BenchmarkGuestPingPongForeignHost(b *testing.B) {
	b.ReportAllocs()
	h := testhost.New()
	finished := false
	var err error
	g, serr := bridge.StartGuestRun(h, unit(pingPong(b, benchPairs)), func(o bridge.Outcome[struct{}]) {
		err, finished = o.Err, true
	}, quiet(), bridge.WithHostThreadLocked())
	if serr != nil {
		b.Fatal(serr)
	}
	h.Run(func() bool { return finished })
	g.Wait(context.Background())
	if err != nil {
		b.Fatal(err)
	}
}

// checkpoints is the one-task workload: a single task checkpointing b.N
// times, so every step is a trip through the scheduler and nothing else
// is runnable.
func checkpoints(b *testing.B) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		b.ResetTimer()
		for range b.N {
			if err := sc.Checkpoint(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}

// BenchmarkNativeOneTask: one task checkpointing under sc.Run. ns/op is
// per checkpoint.
func BenchmarkNativeOneTask(b *testing.B) {
	b.ReportAllocs()
	if err := sc.Run(checkpoints(b)); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkGuestOneTask: the same as a guest of loop.Loop. With one busy
// task a batch is one step; a guest tick runs batches back to back for its
// slice (WithTickSlice), so a checkpoint costs a host round trip only once
// per slice. Target: at most 1.15x BenchmarkNativeOneTask.
func BenchmarkGuestOneTask(b *testing.B) {
	b.ReportAllocs()
	err := loop.Run(func(ctx context.Context) error {
		_, err := bridge.RunGuest(ctx, unit(checkpoints(b)), quiet())
		return err
	}, loop.WithSIGINTPolicy(false))
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkHostCallbacksWhileGuestBusy: the host runs a chain of its own
// callbacks while a guest keeps 100 tasks always runnable. ns/op is per
// host callback, and includes the guest ticks interleaved with them (each
// up to a slice of host time, see WithTickSlice); guest-steps/op says how
// many guest steps ran per host callback, and max-host-gap-us the longest
// time between two host callbacks: the host-callback latency the guest
// imposes (the default slice, 1 ms, plus the batch that crossed it).
func BenchmarkHostCallbacksWhileGuestBusy(b *testing.B) {
	const tasks = 100
	b.ReportAllocs()
	steps := 0
	var maxGap time.Duration
	err := loop.Run(func(ctx context.Context) error {
		l := loop.FromContext(ctx)
		_, err := bridge.RunGuest(ctx, unit(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				busyTasks(n, tasks, &steps)
				done := make(chan struct{})
				b.ResetTimer()
				steps = 0
				last := time.Now()
				hostChain(l, b.N, func() {
					now := time.Now()
					maxGap = max(maxGap, now.Sub(last))
					last = now
				}, func() { close(done) })
				sc.ToGoroutine(ctx, func(ctx context.Context) error { <-done; return nil }, false)
				b.StopTimer()
				n.CancelScope().Cancel()
				return nil
			})
		}), quiet())
		return err
	}, loop.WithSIGINTPolicy(false))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(steps)/float64(b.N), "guest-steps/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "host-callbacks/s")
	b.ReportMetric(float64(maxGap.Microseconds()), "max-host-gap-us")
}

// BenchmarkHostCallbacksWhileGuestSleeps: the host's own callback rate
// while every guest task sleeps (G3): the guest costs the host nothing.
func BenchmarkHostCallbacksWhileGuestSleeps(b *testing.B) {
	b.ReportAllocs()
	err := loop.Run(func(ctx context.Context) error {
		l := loop.FromContext(ctx)
		_, err := bridge.RunGuest(ctx, unit(func(ctx context.Context) error {
			done := make(chan struct{})
			b.ResetTimer()
			hostChain(l, b.N, nil, func() { close(done) })
			return sc.MoveOnAfter(ctx, time.Hour, func(ctx context.Context) error {
				return sc.ToGoroutine(ctx, func(ctx context.Context) error { <-done; return nil }, false)
			})
		}), quiet())
		return err
	}, loop.WithSIGINTPolicy(false))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "host-callbacks/s")
}
