package main

import (
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/hitchrt/hitch/internal/progtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestActorSiblings(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, "."))
	code, lines := p.Exit(t)
	if code != 0 {
		t.Fatalf("exit status %d\n%s", code, p.Stderr())
	}
	for _, w := range []string{"bob says hello to alice", "alice says hello to bob"} {
		if !slices.Contains(lines, w) {
			t.Errorf("output lacks %q:\n%s", w, strings.Join(lines, "\n"))
		}
	}
}
