package signals_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// childEnv makes the test binary run a child program (child_unix_test.go)
// instead of the tests.
const childEnv = "HITCH_SIGNALS_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(childMain(mode))
	}
	goleak.VerifyTestMain(m)
}
