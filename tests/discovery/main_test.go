//go:build unix

package discovery_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/tests/internal/proccheck"
)

func TestMain(m *testing.M) {
	actor.ChildMain()
	if spec := os.Getenv(programEnv); spec != "" {
		os.Exit(runProgram(spec))
	}
	if spec := os.Getenv(joinEnv); spec != "" {
		os.Exit(runJoiner(spec))
	}
	proccheck.Subreaper()
	goleak.VerifyTestMain(m, goleak.Cleanup(proccheck.Verify))
}
