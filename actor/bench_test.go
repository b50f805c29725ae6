package actor_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

var benchEcho = actor.Func("bench.echo", func(ctx context.Context, n int) (int, error) { return n, nil })

// benchRoot runs fn in a root actor inside a nursery.
func benchRoot(b *testing.B, fn func(ctx context.Context, n *actor.Nursery) error) {
	b.Helper()
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, fn)
	}, actor.WithChildOutput(io.Discard))
	if err != nil {
		b.Fatal(err)
	}
}

// rssMB returns a process's resident set in MB, from /proc/PID/status.
func rssMB(pid int) (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return float64(kb) / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

// Spawn to a ready portal, then cancel (through the graceful path). The
// idle child's resident memory is reported as MB-rss/child.
func BenchmarkSpawn(b *testing.B) {
	benchRoot(b, func(ctx context.Context, n *actor.Nursery) error {
		var rss float64
		runs := 0
		for b.Loop() {
			p, err := n.StartActor(ctx, "bench")
			if err != nil {
				return err
			}
			mb, err := rssMB(p.PID())
			if err != nil {
				return err
			}
			rss += mb
			runs++
			if err := p.CancelActor(ctx); err != nil {
				return err
			}
		}
		b.ReportMetric(rss/float64(runs), "MB-rss/child")
		return nil
	})
}

// Eight children started in parallel, until all are ready. Their
// cancellation is not timed.
func BenchmarkSpawn8(b *testing.B) {
	benchRoot(b, func(ctx context.Context, n *actor.Nursery) error {
		for b.Loop() {
			err := sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
				for i := range 8 {
					sn.StartSoon("start", func(ctx context.Context) error {
						_, err := n.StartActor(ctx, fmt.Sprintf("bench%d", i))
						return err
					})
				}
				return nil
			})
			if err != nil {
				return err
			}
			b.StopTimer()
			if err := n.Cancel(ctx); err != nil {
				return err
			}
			b.StartTimer()
		}
		return nil
	})
}

// A trivial endpoint's round trip through a portal.
func BenchmarkPortalRun(b *testing.B) {
	b.ReportAllocs()
	benchRoot(b, func(ctx context.Context, n *actor.Nursery) error {
		p, err := n.StartActor(ctx, "echo")
		if err != nil {
			return err
		}
		i := 0
		for b.Loop() {
			if _, err := benchEcho.Run(ctx, p, i); err != nil {
				return err
			}
			i++
		}
		return p.CancelActor(ctx)
	})
}

var (
	benchCtx = actor.ContextFunc("bench.ctx", func(ctx context.Context, c *actor.Context[int, int], n int) (int, error) {
		if err := c.Started(ctx, n); err != nil {
			return 0, err
		}
		return n + 1, nil
	})

	benchStream = actor.ContextFunc("bench.stream", func(ctx context.Context, c *actor.Context[int, int], n int) (int, error) {
		if err := c.Started(ctx, 0); err != nil {
			return 0, err
		}
		s, err := c.OpenStream(ctx, false)
		if err != nil {
			return 0, err
		}
		for i := range n {
			if err := s.Send(ctx, i); err != nil {
				return i, err
			}
			// Let the parent's overrun notice in, as a real producer would.
			if i%64 == 63 {
				if err := sc.Checkpoint(ctx); err != nil {
					return i, err
				}
			}
		}
		return n, s.Close(ctx)
	})
)

// Open a context, get its started value, wait for its result.
func BenchmarkOpenContext(b *testing.B) {
	b.ReportAllocs()
	benchRoot(b, func(ctx context.Context, n *actor.Nursery) error {
		p, err := n.StartActor(ctx, "ctx")
		if err != nil {
			return err
		}
		i := 0
		for b.Loop() {
			r, err := benchCtx.Open(ctx, p, i, func(context.Context, *actor.Context[int, int], int) error { return nil })
			if err != nil || r != i+1 {
				return fmt.Errorf("Open = %d, %v", r, err)
			}
			i++
		}
		return p.CancelActor(ctx)
	})
}

// Small ints streamed from a child to its parent; msgs/s is the rate.
func BenchmarkStream(b *testing.B) {
	b.ReportAllocs()
	benchRoot(b, func(ctx context.Context, n *actor.Nursery) error {
		p, err := n.StartActor(ctx, "stream")
		if err != nil {
			return err
		}
		total := 0
		for b.Loop() {
			const batch = 10000
			_, err := benchStream.Open(ctx, p, batch, func(ctx context.Context, c *actor.Context[int, int], _ int) error {
				s, err := c.OpenStream(ctx, true)
				if err != nil {
					return err
				}
				for _, err := range s.All(ctx) {
					if err != nil {
						return err
					}
					total++
				}
				return nil
			}, actor.AllowOverruns())
			if err != nil {
				return err
			}
		}
		b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "msgs/s")
		return p.CancelActor(ctx)
	})
}

// benchTree is a subtree: depth levels below the caller, each actor with
// a task blocked (not shielded) until cancelled. It reports started once
// the whole subtree is up.
var benchTree *actor.ContextFuncOf[int, int, int, int]

func init() {
	benchTree = actor.ContextFunc("bench.tree", func(ctx context.Context, c *actor.Context[int, int], depth int) (int, error) {
		if depth == 0 {
			if err := c.Started(ctx, 0); err != nil {
				return 0, err
			}
			return 0, sc.SleepForever(ctx)
		}
		return 0, actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, fmt.Sprintf("level%d", depth))
			if err != nil {
				return err
			}
			_, err = benchTree.Open(ctx, p, depth-1, func(ctx context.Context, _ *actor.Context[int, int], _ int) error {
				if err := c.Started(ctx, depth); err != nil {
					return err
				}
				return sc.SleepForever(ctx)
			})
			return err
		})
	})
}

// A depth-3 tree with one blocked leaf per level, from the cancel until
// every process is gone.
func BenchmarkCancelTree(b *testing.B) {
	benchRoot(b, func(ctx context.Context, n *actor.Nursery) error {
		for b.Loop() {
			b.StopTimer()
			p, err := n.StartActor(ctx, "level3")
			if err != nil {
				return err
			}
			err = sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
				up := &sc.Event{}
				sn.StartSoon("tree", func(ctx context.Context) error {
					_, err := benchTree.Open(ctx, p, 2, func(ctx context.Context, _ *actor.Context[int, int], _ int) error {
						up.Set()
						return sc.SleepForever(ctx)
					})
					if errors.Is(err, msg.ErrContextCancelled) || errors.Is(err, sc.ErrCancelled) {
						return nil
					}
					return err
				})
				if err := up.Wait(ctx); err != nil {
					return err
				}
				b.StartTimer()
				return p.CancelActor(ctx)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}
