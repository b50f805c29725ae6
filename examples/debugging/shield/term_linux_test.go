package main

import (
	"testing"

	"github.com/hitchrt/hitch/internal/progtest"
)

// In a cancelled scope the plain pause fails saying to use the shield; the
// shielded pause opens the REPL.
func TestShield(t *testing.T) {
	tm := progtest.StartTermHome(t, t.TempDir(), progtest.Build(t, "."))
	tm.Expect(t, `shield: unshielded pause: debug: Pause called from an already cancelled scope; use debug\.Pause\(ctx, debug\.Shield\(\)\).*sc: cancelled`)
	tm.Expect(t, `hitch: paused in actor root, task main`)
	tm.Expect(t, `\(debug\) `)
	tm.Line(t, "c")
	tm.Expect(t, `shield: done`)
	if code := tm.Exit(t); code != 0 {
		t.Fatalf("exit status %d\n%s", code, tm.Output())
	}
}
