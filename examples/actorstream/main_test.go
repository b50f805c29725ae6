package main

import (
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/hitchrt/hitch/internal/progtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestActorStream(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, "."))
	code, lines := p.Exit(t)
	if code != 0 {
		t.Fatalf("exit status %d\n%s", code, p.Stderr())
	}
	want := []string{"child says: ready to square", "1 squared is 1", "5 squared is 25", "child served 5"}
	for _, w := range want {
		if !slices.Contains(lines, w) {
			t.Errorf("output lacks %q:\n%s", w, strings.Join(lines, "\n"))
		}
	}
}
