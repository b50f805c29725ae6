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

var drivers = []driver{{"native", sc.Run}}

// runAll runs f once per driver, as subtests.
func runAll(t *testing.T, f func(t *testing.T, run runFunc)) {
	t.Helper()
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) { f(t, d.run) })
	}
}

// mock returns the option for an autojump virtual clock.
func mock() sc.Option { return sc.WithClock(sc.NewMockClock(true)) }
