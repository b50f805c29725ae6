package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/hitchrt/hitch/internal/progtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// buildFlags are extra flags for building the example (see race_test.go).
var buildFlags []string

var summary = regexp.MustCompile(`^guest steps on the UI thread: (\d+)/(\d+)$`)

// checkShutdown reads the rest of the output and checks the shutdown
// order (the quit request, each guest task's cleanup, the done callback,
// then the loop stops), the summary (on Linux: every guest step ran on the
// UI thread), the last line (lastLine, when a signal asked to quit), and
// the exit status.
func checkShutdown(t *testing.T, p *progtest.Proc, quitLine, lastLine string, wantCode int) {
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
	want := 1
	if lastLine != "" {
		want = 2 // and how it was stopped
	}
	if len(rest) != want {
		t.Fatalf("after the loop stopped, want %d lines, got %q", want, rest)
	}
	if threadChecked {
		m := summary.FindStringSubmatch(rest[0])
		if m == nil || m[1] != m[2] || m[2] == "0" {
			t.Errorf("want every guest step on the UI thread, got %q", rest[0])
		}
	} else if !strings.HasPrefix(rest[0], "guest steps: ") {
		t.Errorf("want the guest step count, got %q", rest[0])
	}
	if lastLine != "" && rest[1] != lastLine {
		t.Errorf("last line %q, want %q", rest[1], lastLine)
	}
	if code != wantCode {
		t.Fatalf("exit status %d, want %d; stderr:\n%s", code, wantCode, p.Stderr())
	}
}

// The program says what it shows before it shows it.
func checkIntro(t *testing.T, p *progtest.Proc) {
	t.Helper()
	intro := p.Until(t, "uiloop: quitting")
	if len(intro) != 3 || !strings.HasPrefix(intro[0], "uiloop: a UI-style loop") {
		t.Errorf("want three lines saying what the program shows first, got %q", intro)
	}
}

// The UI quits after its frames: the guest is cancelled, its tasks clean
// up on the UI thread, and only then does the loop stop.
func TestUILoopQuits(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, ".", buildFlags...), "-frames", "30")
	checkIntro(t, p)
	checkShutdown(t, p, "quit: after 30 frames", "", 0)
}

// Ctrl-C (a real SIGINT) reaches the UI loop, which quits the same way,
// then exits with status 130 as quickstart does; SIGTERM, as a service
// manager sends it, quits the same way too and exits with 143.
func TestUILoopStopSignal(t *testing.T) {
	tests := []struct {
		name     string
		give     os.Signal
		quit     string
		stopped  string
		wantCode int
	}{
		{"SIGINT", os.Interrupt, "quit: Ctrl-C", "stopped by Ctrl-C", 130},
		{"SIGTERM", syscall.SIGTERM, "quit: SIGTERM", "stopped by SIGTERM", 143},
	}
	bin := progtest.Build(t, ".", buildFlags...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			progtest.NeedSignals(t)
			p := progtest.Start(t, bin, "-frames", "0")
			checkIntro(t, p)
			p.Until(t, "status: frame") // the guest runs
			p.Signal(t, tt.give)
			checkShutdown(t, p, tt.quit, tt.stopped, tt.wantCode)
		})
	}
}
