package sc_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// BenchmarkCheckpoint: two tasks checkpoint in turn, so every checkpoint is
// a real switch to the runner and on to the other task. ns/op is per
// checkpoint.
func BenchmarkCheckpoint(b *testing.B) {
	b.ReportAllocs()
	err := sc.Run(func(ctx context.Context) error {
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			half := b.N / 2
			loop := func(ctx context.Context) error {
				for range half {
					if err := sc.Checkpoint(ctx); err != nil {
						return err
					}
				}
				return nil
			}
			b.ResetTimer()
			n.StartSoon("a", loop)
			n.StartSoon("b", loop)
			return nil
		})
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCheckpointAlone: one task checkpoints with nothing else
// runnable. There is no fast path: each checkpoint still switches to the
// runner, which ends the tick and starts the next one.
func BenchmarkCheckpointAlone(b *testing.B) {
	b.ReportAllocs()
	err := sc.Run(func(ctx context.Context) error {
		b.ResetTimer()
		for range b.N {
			if err := sc.Checkpoint(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkNurseryStartSoon: start a child and let it finish.
func BenchmarkNurseryStartSoon(b *testing.B) {
	b.ReportAllocs()
	child := func(context.Context) error { return nil }
	err := sc.Run(func(ctx context.Context) error {
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			b.ResetTimer()
			for i := range b.N {
				if err := n.StartSoon("child", child); err != nil {
					return err
				}
				if i%64 == 63 {
					if err := sc.Checkpoint(ctx); err != nil {
						return err
					}
				}
			}
			return nil
		})
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkChannelHandoff: one task sends b.N values, another receives
// them. ns/op is per value.
func BenchmarkChannelHandoff(b *testing.B) {
	for _, c := range []struct {
		name     string
		capacity int
	}{{"unbuffered", 0}, {"cap16", 16}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			err := sc.Run(func(ctx context.Context) error {
				tx, rx := sc.NewChannel[int](c.capacity)
				return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
					b.ResetTimer()
					n.StartSoon("sender", func(ctx context.Context) error {
						for i := range b.N {
							if err := tx.Send(ctx, i); err != nil {
								return err
							}
						}
						return tx.Close()
					})
					n.StartSoon("receiver", func(ctx context.Context) error {
						for range b.N {
							if _, err := rx.Receive(ctx); err != nil {
								return err
							}
						}
						return nil
					})
					return nil
				})
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkSleepingTasks100k: 100 000 tasks sleeping at once; reports the heap
// and stack memory they hold, per task.
func BenchmarkSleepingTasks100k(b *testing.B) {
	const tasks = 100_000
	var perTask float64
	for b.Loop() {
		err := sc.Run(func(ctx context.Context) error {
			before := memInUse()
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				for range tasks {
					n.StartSoon("sleeper", func(ctx context.Context) error {
						return sc.Sleep(ctx, time.Hour)
					})
				}
				if err := sc.Checkpoint(ctx); err != nil { // every sleeper is parked now
					return err
				}
				perTask = float64(memInUse()-before) / tasks
				n.CancelScope().Cancel()
				return nil
			})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(perTask, "bytes/task")
}

func memInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}
