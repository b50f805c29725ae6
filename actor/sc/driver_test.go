package sc_test

import (
	"context"
	"testing"

	"github.com/hitchrt/hitch/actor/sc"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// runFunc runs a main function to completion under some driver.
type runFunc = func(main func(ctx context.Context) error, opts ...sc.Option) error

// driver is one way to drive a runner. Other test files (the bridge's guest
// drivers) append to drivers from an init function.
type driver struct {
	name string
	run  runFunc
}

var drivers = []driver{{"native", sc.Run}, {"inline", runInline}}

// runInline is Run with WithInlineDrive: the suite's RunSyncSoon calls
// queue as before, and what calls RunSyncNow or Inbox.DeliverNow drives.
func runInline(main func(ctx context.Context) error, opts ...sc.Option) error {
	return sc.Run(main, append(opts, sc.WithInlineDrive())...)
}

// runAll runs f once per driver, as subtests.
func runAll(t *testing.T, f func(t *testing.T, run runFunc)) {
	t.Helper()
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) { f(t, d.run) })
	}
}

// hostPosterKey carries, in the main task's ctx, a function that queues a
// callback on the host loop of a guest driver.
type hostPosterKey struct{}

// withHost wraps main so that its ctx carries post (see hostPost).
func withHost(main func(ctx context.Context) error, post func(fn func()) error) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		return main(context.WithValue(ctx, hostPosterKey{}, post))
	}
}

// hostPost queues fn to run on the host loop, between guest ticks, under a
// guest driver; it reports false under the native driver, which has no
// host.
func hostPost(ctx context.Context, fn func()) bool {
	post, ok := ctx.Value(hostPosterKey{}).(func(fn func()) error)
	if !ok {
		return false
	}
	return post(fn) == nil
}

// mock returns the option for an autojump virtual clock.
func mock() sc.Option { return sc.WithClock(sc.NewMockClock(true)) }
