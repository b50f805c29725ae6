package bridge_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/internal/testhost"
	"github.com/hitchrt/hitch/loop"
)

// testBound is how long a test's run may take before it counts as hung.
const testBound = 20 * time.Second

// bounded runs f and fails the test if it does not return within
// testBound.
func bounded(t testing.TB, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(testBound):
		t.Fatal("did not finish within " + testBound.String())
	}
}

// inGuest runs main as a guest run on a fresh loop.Run and fails t if it
// errs or does not finish within testBound.
func inGuest(t testing.TB, main func(ctx context.Context) error) {
	t.Helper()
	var err error
	bounded(t, func() {
		err = loop.Run(func(ctx context.Context) error {
			_, err := bridge.RunGuest(ctx, unit(main))
			return err
		}, loop.WithSIGINTPolicy(false))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// trackingHost is a foreign host that knows when one of its callbacks is
// running, so tests can tell host code from other goroutines.
type trackingHost struct {
	*testhost.Host
	inCallback atomic.Bool
	queued     atomic.Int64 // callbacks queued through this wrapper
}

func newTrackingHost() *trackingHost { return &trackingHost{Host: testhost.New()} }

func (h *trackingHost) RunSyncSoonThreadsafe(fn func()) error {
	h.queued.Add(1)
	return h.Host.RunSyncSoonThreadsafe(func() {
		h.inCallback.Store(true)
		defer h.inCallback.Store(false)
		fn()
	})
}

// logBuffer is a logger whose output tests read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) option() bridge.Option {
	return bridge.WithLogger(b.logger())
}

// busyTasks starts k tasks in n that checkpoint until cancelled, counting
// their steps in *steps.
func busyTasks(n *sc.Nursery, k int, steps *int) {
	for range k {
		n.StartSoon("busy", func(ctx context.Context) error {
			for {
				*steps++
				if err := sc.Checkpoint(ctx); err != nil {
					return err
				}
			}
		})
	}
}

// hostChain runs count host callbacks on l, each queued by the one
// before, calling each in every one and then last.
func hostChain(l *loop.Loop, count int, each func(), last func()) {
	i := 0
	var next func()
	next = func() {
		if each != nil {
			each()
		}
		if i++; i < count {
			l.CallSoon(next)
			return
		}
		last()
	}
	l.CallSoon(next)
}

func quiet() bridge.Option { return bridge.WithSIGINT(false) }

func unit(f func(ctx context.Context) error) func(ctx context.Context) (struct{}, error) {
	return func(ctx context.Context) (struct{}, error) { return struct{}{}, f(ctx) }
}

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }
