//go:build unix

// Package infected_test drives infected actors across processes: the
// children of these tests run their runtime as the guest of a host loop,
// and are stopped with real signals.
package infected_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/hitchrt/hitch/actor"
	_ "github.com/hitchrt/hitch/infected" // the host loop of infected children
	"github.com/hitchrt/hitch/tests/internal/proccheck"
)

func TestMain(m *testing.M) {
	actor.ChildMain()
	proccheck.Subreaper()
	goleak.VerifyTestMain(m, goleak.Cleanup(proccheck.Verify))
}
