package main

import (
	"testing"

	"github.com/hitchrt/hitch/internal/progtest"
)

// crash walks through both post-mortems and returns the exit status.
func crash(t *testing.T, args ...string) (*progtest.Term, int) {
	tm := progtest.StartTermHome(t, t.TempDir(), progtest.Build(t, "."), args...)
	tm.Expect(t, `hitch: crashed in actor root, task main`)
	tm.Expect(t, `(?s)error: .*panic in task worker: assignment to entry in nil map`)
	tm.Expect(t, `panic stack:`)
	tm.Expect(t, `main\.count\(`)
	tm.Expect(t, `\(debug\) `)
	tm.Line(t, "bt")
	tm.Expect(t, `main\.count\(`)
	tm.Line(t, "c")
	tm.Expect(t, `postmortem: the task crash was looked at`)
	tm.Expect(t, `hitch: crashed in actor root, goroutine`)
	tm.Expect(t, `error: config: missing field name`)
	tm.Expect(t, `\(debug\) `)
	tm.Line(t, "c")
	return tm, tm.Exit(t)
}

// PostMortem shows a task's panic and its stack; Guard does the same for a
// plain function and gives its error back.
func TestPostMortemReraise(t *testing.T) {
	tm, code := crash(t)
	if code != 1 {
		t.Fatalf("exit status %d, want 1\n%s", code, tm.Output())
	}
	tm.Expect(t, `postmortem: guard gave back: config: missing field name`)
}

// With Suppress, Guard drops the error once the REPL is left with c.
func TestPostMortemSuppress(t *testing.T) {
	tm, code := crash(t, "-suppress")
	if code != 0 {
		t.Fatalf("exit status %d, want 0\n%s", code, tm.Output())
	}
	tm.Expect(t, `postmortem: guard dropped the error`)
}
