package main

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/hitchrt/hitch/internal/progtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const startedPrefix = "sub-actor feed started: child pid "

// childPID returns the sub-actor's pid from the line that announces it,
// failing the test when there is none or it is the program's own pid.
func childPID(t *testing.T, lines []string, self int) int {
	t.Helper()
	i := slices.IndexFunc(lines, func(s string) bool { return strings.HasPrefix(s, startedPrefix) })
	if i < 0 {
		t.Fatalf("no line %q...: %q", startedPrefix, lines)
	}
	pid, err := strconv.Atoi(strings.TrimPrefix(lines[i], startedPrefix))
	if err != nil || pid <= 0 || pid == self {
		t.Fatalf("%q: want the pid of a process other than the program (%d)", lines[i], self)
	}
	return pid
}

// checkIntro checks that the program says what it shows before it shows it.
func checkIntro(t *testing.T, lines []string) {
	t.Helper()
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "embedded: a UI-style loop") ||
		!strings.HasPrefix(lines[1], "embedded: a guest run") || !strings.HasPrefix(lines[2], "embedded: quitting") {
		t.Errorf("want three lines saying what the program shows first: %q", lines)
	}
}

// streamed reads until the UI has rendered a frame showing an update that
// came from the sub-actor, and returns the lines read and the child's pid.
func streamed(t *testing.T, p *progtest.Proc) ([]string, int) {
	t.Helper()
	lines := p.Until(t, startedPrefix)
	child := childPID(t, lines, p.Cmd.Process.Pid)
	for !slices.ContainsFunc(lines, func(s string) bool { return renders(s, child) }) {
		lines = append(lines, p.Until(t, "frame ")...)
	}
	checkIntro(t, lines)
	return lines, child
}

// renders says whether line is a frame showing an update from pid.
func renders(line string, pid int) bool {
	return strings.HasPrefix(line, "frame ") && strings.HasSuffix(line, fmt.Sprintf(" from pid %d\"", pid))
}

// checkTeardown checks the shutdown in the output after the quit: the
// feed is cancelled and its lifetime callback runs while the UI renders
// frames, then the root's lifetime callback, the guest's done callback
// (its line matching guestDone) and the loop's stop, in that order. It
// returns the lines after "ui loop stopped".
func checkTeardown(t *testing.T, out []string, guestDone *regexp.Regexp) []string {
	t.Helper()
	at := func(prefix string, from int) int {
		i := slices.IndexFunc(out[from:], func(s string) bool { return strings.HasPrefix(s, prefix) })
		if i < 0 {
			t.Fatalf("no %q after line %d, in order: %q", prefix, from, out)
		}
		return from + i
	}
	i := at("feed: cancelled, cleaning up", 0)
	i = at("feed: lifetime callback: saving state", i)
	done := at("guest done: ", i)
	if !guestDone.MatchString(out[done]) {
		t.Errorf("%q does not match %q", out[done], guestDone)
	}
	if !slices.ContainsFunc(out[:done], func(s string) bool {
		return strings.HasPrefix(s, "frame ") && strings.Contains(s, ": stopping after ")
	}) {
		t.Errorf("the UI rendered no frame while the tree stopped: %q", out)
	}
	i = at("feed: lifetime callback: state saved", i)
	i = at("root: lifetime callback", i)
	if i > done {
		t.Errorf("the guest was done before the lifetime callbacks ran: %q", out)
	}
	return out[at("ui loop stopped", done)+1:]
}

// Left alone, the UI quits after its frames: the guest is cancelled, the
// sub-actor with it, every lifetime callback runs while the UI keeps
// rendering, and the program exits 0 with no process left behind.
func TestEmbeddedRuns(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, "."), "-frames", "10")
	before, child := streamed(t, p)
	code, rest := p.Exit(t)
	out := append(before, rest...)
	quit := slices.Index(out, "quit: after 10 frames")
	if quit < 0 {
		t.Fatalf("no quit line: %q", out)
	}
	if after := checkTeardown(t, out[quit:], regexp.MustCompile(`^guest done: <nil>$`)); len(after) != 0 {
		t.Errorf("want nothing after the loop stopped, got %q", after)
	}
	if code != 0 {
		t.Fatalf("exit status %d, want 0; stderr:\n%s", code, p.Stderr())
	}
	progtest.WaitGone(t, child)
}

// A stop signal sent to the program alone (kill -INT, kill -TERM as a
// service manager sends it) stops the actor tree, which owns the signal
// while it runs, the same way: the program exits 130 or 143 after saying
// so, and its child is gone.
func TestEmbeddedStopSignal(t *testing.T) {
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
			p := progtest.Start(t, bin, "-frames", "0")
			_, child := streamed(t, p)
			p.Signal(t, tt.give)
			code, rest := p.Exit(t)
			// The tree stopped cleanly: no error of its own after the signal.
			after := checkTeardown(t, rest, regexp.MustCompile(`^guest done: actor: embedded@\S+ stopped by `+tt.name+`$`))
			if !slices.Equal(after, []string{tt.wantLast}) {
				t.Errorf("after the loop stopped, want only %q, got %q", tt.wantLast, after)
			}
			if code != tt.wantCode {
				t.Fatalf("exit status %d, want %d; stderr:\n%s", code, tt.wantCode, p.Stderr())
			}
			progtest.WaitGone(t, child)
		})
	}
}
