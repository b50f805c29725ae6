package main

import (
	"regexp"
	"slices"
	"testing"

	"github.com/hitchrt/hitch/internal/progtest"
)

// A pause from synchronous code of a task step opens in place; two plain
// goroutines pausing at once get their REPLs one after the other, each
// once.
func TestSync(t *testing.T) {
	tm := progtest.StartTermHome(t, t.TempDir(), progtest.Build(t, "."))
	tm.Expect(t, `hitch: paused in actor root, task main`)
	tm.Expect(t, `\(debug\) `)
	tm.Line(t, "p sum")
	tm.Expect(t, `sum = 528`)
	tm.Line(t, "c")
	tm.Expect(t, `sync: checksum 528`)

	var seen []string
	for range 2 {
		tm.Expect(t, `hitch: paused in actor root, goroutine`)
		tm.Expect(t, `\(debug\) `)
		tm.Line(t, "p worker")
		seen = append(seen, tm.Expect(t, `worker = (\d)`)[1])
		tm.Expect(t, `\(debug\) `)
		tm.Line(t, "c")
	}
	slices.Sort(seen)
	if !slices.Equal(seen, []string{"1", "2"}) {
		t.Fatalf("REPLs of workers %v, want one each of 1 and 2", seen)
	}
	tm.Expect(t, `sync: done`)
	if code := tm.Exit(t); code != 0 {
		t.Fatalf("exit status %d\n%s", code, tm.Output())
	}
	if n := len(regexp.MustCompile(`hitch: paused`).FindAllString(tm.Output(), -1)); n != 3 {
		t.Fatalf("%d REPLs, want 3\n%s", n, tm.Output())
	}
}
