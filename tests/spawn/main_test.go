//go:build unix

package spawn_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/tests/internal/proccheck"
)

func TestMain(m *testing.M) {
	actor.ChildMain()
	proccheck.Subreaper()
	goleak.VerifyTestMain(m, goleak.Cleanup(proccheck.Verify))
}
