package actor_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/hitchrt/hitch/actor"
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
