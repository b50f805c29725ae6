package main

import (
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/hitchrt/hitch/internal/progtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The rendered error names the leaf as its source and shows the relay
// path leaf, then middle.
func TestActorTree(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, "."))
	code, lines := p.Exit(t)
	out := strings.Join(lines, "\n")
	if code != 0 {
		t.Fatalf("exit status %d\n%s\n%s", code, out, p.Stderr())
	}
	leaf := strings.Index(out, "   |_leaf@")
	mid := strings.Index(out, "   |_middle@")
	if !strings.Contains(out, "remote errors.errorString from leaf@") || !strings.Contains(out, "the leaf cannot divide by zero") || leaf < 0 || mid < leaf {
		t.Errorf("output does not render the relay path leaf, then middle:\n%s", out)
	}
}
