package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/hitchrt/hitch/internal/progtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// childPID returns the sub-actor's pid from the line that announces it,
// failing the test when there is none or it is the program's own pid.
func childPID(t *testing.T, p *progtest.Proc, lines []string) int {
	t.Helper()
	const prefix = "sub-actor squarer started: child pid "
	i := slices.IndexFunc(lines, func(s string) bool { return strings.HasPrefix(s, prefix) })
	if i < 0 {
		t.Fatalf("no line %q...:\n%s", prefix, strings.Join(lines, "\n"))
	}
	pid, err := strconv.Atoi(strings.TrimPrefix(lines[i], prefix))
	if err != nil || pid <= 0 || pid == p.Cmd.Process.Pid {
		t.Fatalf("%q: want the pid of a process other than the program (%d)", lines[i], p.Cmd.Process.Pid)
	}
	return pid
}

// The host ticks while the guest's workers have the sub-actor, another
// process, square every job and hand the results to the collector; the
// program ends on its own once the workers are done, and its child with it.
func TestQuickstartRuns(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, "."))
	code, lines := p.Exit(t)
	if code != 0 {
		t.Fatalf("exit status %d\n%s", code, p.Stderr())
	}
	out := strings.Join(lines, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "quickstart: a host loop") || !strings.HasPrefix(lines[1], "quickstart: the guest opens the root actor") || !strings.HasPrefix(lines[2], "quickstart: Ctrl-C") {
		t.Errorf("want three lines saying what the program shows first:\n%s", out)
	}
	child := childPID(t, p, lines)
	want := []string{"host tick 1"}
	for w := 1; w <= 3; w++ {
		for j := 1; j <= 3; j++ {
			x := w*10 + j
			want = append(want, fmt.Sprintf("collected worker %d: job %d: %d squared is %d in pid %d", w, j, x, x*x, child))
		}
	}
	for _, w := range want {
		if !slices.Contains(lines, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if len(lines) == 0 || lines[len(lines)-1] != "done: 9 results" {
		t.Errorf("want the last line %q:\n%s", "done: 9 results", out)
	}
	if strings.Contains(out, "cancelled") {
		t.Errorf("a run without Ctrl-C reports a cancellation:\n%s", out)
	}
	progtest.WaitGone(t, child)
}

// Ctrl-C (a real SIGINT) stops the root actor, which owns the signal while
// it runs: every guest task runs its cleanup, the sub-actor is stopped,
// and the program exits with status 130. SIGTERM, as a service manager
// sends it, does the same and the program exits with 143.
func TestQuickstartStopSignal(t *testing.T) {
	tests := []struct {
		name     string
		give     os.Signal
		wantLast string
		wantCode int
	}{
		{"SIGINT", os.Interrupt, "stopped by Ctrl-C", 130},
		{"SIGTERM", syscall.SIGTERM, "stopped by SIGTERM", 143},
	}
	bin := progtest.Build(t, ".")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			progtest.NeedSignals(t)
			p := progtest.Start(t, bin, "-jobs", "1000")
			before := p.Until(t, "collected worker 1: job 1: 11 squared is 121 in pid ", "host tick 2") // the guest, the child and the host all run
			child := childPID(t, p, before)
			p.Signal(t, tt.give)
			after := p.Until(t, tt.wantLast)
			for _, want := range []string{
				"worker 1: cancelled, cleaning up",
				"worker 2: cancelled, cleaning up",
				"worker 3: cancelled, cleaning up",
				"collector: cancelled, cleaning up",
			} {
				if !slices.Contains(after, want) {
					t.Errorf("output after %s lacks %q: %q", tt.name, want, after)
				}
			}
			// The host learns of the guest's end only after every guest task left.
			if i := slices.IndexFunc(after, func(s string) bool { return strings.HasPrefix(s, "guest cancelled after ") }); i != len(after)-2 {
				t.Errorf("want \"guest cancelled after N results\" just before the last line: %q", after)
			}
			if code, rest := p.Exit(t); code != tt.wantCode || len(rest) != 0 {
				t.Fatalf("exit status %d, want %d; output after %q: %q", code, tt.wantCode, tt.wantLast, rest)
			}
			progtest.WaitGone(t, child)
		})
	}
}
