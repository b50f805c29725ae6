//go:build unix

package infected_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/infected"
	"github.com/hitchrt/hitch/loop"
)

// hostCalls is the result of benchHostCalls: measured in the child, where
// the calls are made.
type hostCalls struct {
	Nanos  int64
	Allocs uint64
}

var (
	// benchHostCalls makes n RunHostTask calls of a host task that returns
	// at once, and reports the time and allocations they took.
	benchHostCalls = actor.Func("bench.hostCalls", func(ctx context.Context, n int) (hostCalls, error) {
		fn := func(context.Context) (int, error) { return 1, nil }
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		allocs := ms.Mallocs
		start := time.Now()
		for range n {
			if _, err := infected.RunHostTask(ctx, fn); err != nil {
				return hostCalls{}, err
			}
		}
		d := time.Since(start)
		runtime.ReadMemStats(&ms)
		return hostCalls{Nanos: d.Nanoseconds(), Allocs: ms.Mallocs - allocs}, nil
	})

	// benchEcho relays its stream through a host task that echoes.
	benchEcho = actor.ContextFunc("bench.echo", func(ctx context.Context, c *actor.Context[int, int], _ int) (int, error) {
		return 0, infected.OpenChannelFrom(ctx, func(ctx context.Context, ch *bridge.HostEnd[int, int]) error {
			if err := ch.Started(0); err != nil {
				return err
			}
			for {
				v, err := ch.Receive(ctx)
				if err != nil {
					return err
				}
				if err := ch.Send(v); err != nil {
					return err
				}
			}
		}, func(ctx context.Context, ch *bridge.GuestEnd[int, int], _ int) error {
			if err := c.Started(ctx, 0); err != nil {
				return err
			}
			s, err := c.OpenStream(ctx, false)
			if err != nil {
				return err
			}
			for v, err := range s.All(ctx) {
				if err != nil {
					return err
				}
				if err := ch.Send(ctx, v); err != nil {
					return err
				}
				back, err := ch.Receive(ctx)
				if err != nil {
					return err
				}
				if err := s.Send(ctx, back); err != nil {
					return err
				}
			}
			return nil
		})
	})

	// benchEchoNative echoes its stream itself, in a native child: the
	// baseline of BenchmarkEcho.
	benchEchoNative = actor.ContextFunc("bench.echoNative", func(ctx context.Context, c *actor.Context[int, int], _ int) (int, error) {
		if err := c.Started(ctx, 0); err != nil {
			return 0, err
		}
		s, err := c.OpenStream(ctx, false)
		if err != nil {
			return 0, err
		}
		for v, err := range s.All(ctx) {
			if err != nil {
				return 0, err
			}
			if err := s.Send(ctx, v); err != nil {
				return 0, err
			}
		}
		return 0, nil
	})

	// benchBusy reports started and waits in a host task until cancelled.
	benchBusy = actor.ContextFunc("bench.busy", func(ctx context.Context, c *actor.Context[int, int], _ int) (int, error) {
		if err := c.Started(ctx, 0); err != nil {
			return 0, err
		}
		return infected.RunHostTask(ctx, func(ctx context.Context) (int, error) {
			_, err := loop.Await(ctx, loop.NewFuture[int](loop.FromContext(ctx)))
			return 0, err
		})
	})
)

// quietBench keeps the runtime's logs, and the children's, out of the
// benchmark output: a SIGINT-ed child exiting is logged as unexpected.
func quietBench() []actor.Option {
	return []actor.Option{actor.WithChildOutput(io.Discard), actor.WithLogger(slog.New(slog.DiscardHandler))}
}

// withChild runs body in a root with one child, infected when asked.
func withChild(b *testing.B, infect bool, body func(ctx context.Context, p *actor.Portal) error) {
	b.Helper()
	var opts []actor.Option
	if infect {
		opts = append(opts, infected.Mode())
	}
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "bench", opts...)
			if err != nil {
				return err
			}
			if err := body(ctx, p); err != nil {
				return err
			}
			return p.CancelActor(ctx)
		})
	}, quietBench()...)
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRunHostTask is one RunHostTask round trip, guest task to host
// task and back, inside an infected child: b.N calls are made and timed
// in the child, which reports the time (ns/op) and its allocations
// (child-allocs/op, counted process-wide, so the runtime's own share is
// in).
func BenchmarkRunHostTask(b *testing.B) {
	withChild(b, true, func(ctx context.Context, p *actor.Portal) error {
		r, err := benchHostCalls.Run(ctx, p, b.N)
		if err != nil {
			return err
		}
		b.ReportMetric(float64(r.Nanos)/float64(b.N), "ns/op")
		b.ReportMetric(float64(r.Allocs)/float64(b.N), "child-allocs/op")
		return nil
	})
}

// BenchmarkEcho is one round trip from the parent over IPC to an infected
// child, whose guest task relays the value through a host task and back
// to the parent. BenchmarkEchoNative is its baseline: the same round trip
// to a native child that echoes in the guest task itself.
func BenchmarkEcho(b *testing.B) { benchEchoOf(b, true, benchEcho) }

func BenchmarkEchoNative(b *testing.B) { benchEchoOf(b, false, benchEchoNative) }

func benchEchoOf(b *testing.B, infect bool, ep *actor.ContextFuncOf[int, int, int, int]) {
	withChild(b, infect, func(ctx context.Context, p *actor.Portal) error {
		_, err := ep.Open(ctx, p, 0, func(ctx context.Context, c *actor.Context[int, int], _ int) error {
			s, err := c.OpenStream(ctx, false)
			if err != nil {
				return err
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if err := s.Send(ctx, i); err != nil {
					return err
				}
				if v, err := s.Receive(ctx); err != nil || v != i {
					return fmt.Errorf("echo %d: %d, %v", i, v, err)
				}
			}
			b.StopTimer()
			return s.Close(ctx)
		})
		return err
	})
}

// BenchmarkSIGINTTeardown is the time from SIGINT sent to an infected
// child, busy in a host task, to its process reaped by the parent
// (ms/teardown): the child cancels itself, its host task and its guest
// run end, it tells its parent, and it exits. ns/op is the whole cycle,
// the start of a tree and its child included (the benchmark's timer runs
// throughout, so that b.N stays small).
func BenchmarkSIGINTTeardown(b *testing.B) {
	var total time.Duration
	for range b.N {
		err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
			return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
				p, err := n.StartActor(ctx, "bench", infected.Mode())
				if err != nil {
					return err
				}
				pid := p.PID()
				_, err = benchBusy.Open(ctx, p, 0, func(ctx context.Context, c *actor.Context[int, int], _ int) error {
					return sc.ToGoroutine(ctx, func(context.Context) error {
						start := time.Now()
						if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
							return err
						}
						// A reaped process is gone (a zombie still takes
						// signal 0).
						for syscall.Kill(pid, 0) == nil {
							time.Sleep(50 * time.Microsecond)
						}
						total += time.Since(start)
						return nil
					}, false)
				})
				var cc *actor.ContextCancelled
				if !errors.As(err, &cc) {
					return fmt.Errorf("context after SIGINT: %v, want a ContextCancelled", err)
				}
				return nil
			})
		}, quietBench()...)
		var ce *actor.ChildExitError
		if err != nil && !errors.As(err, &ce) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/teardown")
}
