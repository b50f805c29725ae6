//go:build unix

package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/hitchrt/hitch/internal/progtest"
)

// start builds and starts the program and waits until both tasks sleep.
func start(t *testing.T, bin string) *progtest.Proc {
	t.Helper()
	progtest.NeedSignals(t)
	p := progtest.Start(t, bin, "-grace", "200ms")
	p.Until(t, "worker: sleeping until cancelled", "stuck: sleeping forever")
	return p
}

// footer is the dump's last line.
func footer(p *progtest.Proc) string {
	return fmt.Sprintf("|_____ end-of-hang (pid %d) ______", p.Cmd.Process.Pid)
}

// X1, X2 (one process): SIGUSR1 dumps the task tree (where each task
// waits, the shielded scope) and the goroutine stacks, ending with the
// footer, once per signal; then a stop signal cancels the run, the worker
// cleans up, and the program gives up on the stuck task, after the grace
// period or at a second signal, with the exit status of the signal it
// gave up on.
func TestHang(t *testing.T) {
	bin := progtest.Build(t, ".")
	tests := []struct {
		name     string
		signals  []os.Signal
		wantWhy  string
		wantCode int
	}{
		{"SIGINT, then the grace runs out", []os.Signal{os.Interrupt}, "hang: the run did not end within 200ms of the cancel", 130},
		{"SIGTERM, then SIGINT", []os.Signal{syscall.SIGTERM, os.Interrupt}, "hang: SIGINT again", 130},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := start(t, bin)
			for range 2 {
				p.Signal(t, syscall.SIGUSR1)
				dump := p.Until(t, footer(p))
				i := slices.IndexFunc(dump, func(l string) bool { return strings.HasPrefix(l, "----- SIGUSR1: hang (pid ") })
				if i < 0 {
					t.Fatalf("no dump header: %q", dump)
				}
				checkDump(t, dump[i:])
			}
			p.Signal(t, tt.signals[0])
			after := p.Until(t, "worker: cancelled, cleaning up")
			if want := "hang: " + signalName(tt.signals[0]) + ": cancelling the run"; !slices.Contains(after, want) {
				t.Errorf("output lacks %q: %q", want, after)
			}
			for _, sig := range tt.signals[1:] {
				p.Signal(t, sig)
			}
			code, rest := p.Exit(t)
			if want := tt.wantWhy + "; exiting without the stuck task's cleanup"; len(rest) != 1 || rest[0] != want {
				t.Errorf("output after the cleanup: %q, want just %q", rest, want)
			}
			if code != tt.wantCode {
				t.Fatalf("exit status %d, want %d\nstderr:\n%s", code, tt.wantCode, p.Stderr())
			}
		})
	}
}

func signalName(sig os.Signal) string {
	if sig == os.Interrupt {
		return "SIGINT"
	}
	return "SIGTERM"
}

// checkDump checks one dump's lines, from its header to its footer.
func checkDump(t *testing.T, dump []string) {
	t.Helper()
	text := strings.Join(dump, "\n")
	if n := strings.Count(text, "----- SIGUSR1: hang"); n != 1 {
		t.Errorf("%d dump headers before one footer:\n%s", n, text)
	}
	for _, want := range []string{
		"SIGINT goes to: hang",
		"task tree:\nrunner\n|_ task main #1 parked (nursery) at ",
		"\n   |_ nursery\n      |_ task worker #",
		"\n         |_ scope [shielded]\ngoroutines:\ngoroutine ",
		"main.main()",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("dump lacks %q:\n%s", want, text)
		}
	}
	// Where each task waits, under its nursery (task ids are the runner's).
	for _, task := range []string{"worker", "stuck"} {
		if !slices.ContainsFunc(dump, func(l string) bool {
			return strings.HasPrefix(l, "      |_ task "+task+" #") && strings.Contains(l, " parked (sleep forever) at ") && strings.Contains(l, "examples/hang/main.go:")
		}) {
			t.Errorf("dump lacks where %s waits:\n%s", task, text)
		}
	}
}
