//go:build linux

package main

import (
	"regexp"
	"slices"
	"syscall"
	"testing"

	"github.com/hitchrt/hitch/internal/progtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// buildFlags are extra flags for building the example (see race_test.go).
var buildFlags []string

var summary = regexp.MustCompile(`^guest steps on the UI thread: (\d+)/(\d+)$`)

// checkShutdown reads the rest of the output and checks the G11 order
// (the quit request, each guest task's cleanup, the done callback, then
// the loop stops), the G6 summary, and a clean exit.
func checkShutdown(t *testing.T, p *progtest.Proc, quitLine string) {
	t.Helper()
	out := p.Until(t, "ui loop stopped")
	at := func(line string) int {
		i := slices.Index(out, line)
		if i < 0 {
			t.Fatalf("output lacks %q: %q", line, out)
		}
		return i
	}
	quit, guestDone, stopped := at(quitLine), at("guest done: <nil>"), at("ui loop stopped")
	for _, cleanup := range []string{"animator: cancelled, cleaning up", "status: cancelled, cleaning up"} {
		if i := at(cleanup); i < quit || i > guestDone {
			t.Errorf("%q is not between %q and the done callback: %q", cleanup, quitLine, out)
		}
	}
	if guestDone > stopped {
		t.Errorf("the loop stopped before the guest's done callback: %q", out)
	}
	code, rest := p.Exit(t)
	if len(rest) != 1 {
		t.Fatalf("after the loop stopped, want one summary line, got %q", rest)
	}
	m := summary.FindStringSubmatch(rest[0])
	if m == nil || m[1] != m[2] || m[2] == "0" {
		t.Errorf("want every guest step on the UI thread, got %q", rest[0])
	}
	if code != 0 {
		t.Fatalf("exit status %d, want 0; stderr:\n%s", code, p.Stderr())
	}
}

// The UI quits after its frames: the guest is cancelled, its tasks clean
// up on the UI thread, and only then does the loop stop.
func TestUILoopQuits(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, ".", buildFlags...), "-frames", "30")
	checkShutdown(t, p, "quit: after 30 frames")
}

// Ctrl-C (a real SIGINT) reaches the UI loop, which quits the same way.
func TestUILoopCtrlC(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, ".", buildFlags...), "-frames", "0")
	p.Until(t, "status: frame") // the guest runs
	p.Signal(t, syscall.SIGINT)
	checkShutdown(t, p, "quit: Ctrl-C")
}
