package sigint

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestOwnNests(t *testing.T) {
	if got := Owner(); got != "" {
		t.Fatalf("owner at start = %q", got)
	}
	outer := Own("loop.Run")
	inner := Own("debug")
	if got := Owner(); got != "debug" {
		t.Fatalf("owner = %q, want the newest claim", got)
	}
	outer() // out of order
	outer()
	if got := Owner(); got != "debug" {
		t.Fatalf("owner after releasing the outer claim = %q", got)
	}
	inner()
	if got := Owner(); got != "" {
		t.Fatalf("owner after releasing all = %q", got)
	}
}
