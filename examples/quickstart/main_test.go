package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// build compiles the example into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "quickstart")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// The host ticks while the guest's workers hand every job to the
// collector; the program ends on its own once the workers are done.
func TestQuickstartRuns(t *testing.T) {
	bin := build(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin).CombinedOutput()
	if err != nil {
		t.Fatalf("quickstart: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{"host tick 1"}
	for w := 1; w <= 3; w++ {
		for j := 1; j <= 3; j++ {
			want = append(want, fmt.Sprintf("collected worker %d: job %d", w, j))
		}
	}
	for _, w := range want {
		if !slices.Contains(lines, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if last := lines[len(lines)-1]; last != "done: 9 results" {
		t.Errorf("last line %q, want %q:\n%s", last, "done: 9 results", out)
	}
	if strings.Contains(string(out), "cancelled") {
		t.Errorf("a run without Ctrl-C reports a cancellation:\n%s", out)
	}
}

// Ctrl-C (a real SIGINT) cancels the host's main task; RunGuest cancels
// the guest and waits for it, every guest task runs its cleanup, and the
// program exits with status 130.
func TestQuickstartCtrlC(t *testing.T) {
	bin := build(t)
	cmd := exec.Command(bin, "-jobs", "1000")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	// until reads lines until each of wants has appeared, and returns them.
	until := func(wants ...string) []string {
		t.Helper()
		var seen []string
		timeout := time.After(10 * time.Second)
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("output ended before all of %q; got %q", wants, seen)
				}
				seen = append(seen, line)
				if !slices.ContainsFunc(wants, func(w string) bool { return !slices.Contains(seen, w) }) {
					return seen
				}
			case <-timeout:
				t.Fatalf("not all of %q within 10s; got %q", wants, seen)
			}
		}
	}
	until("collected worker 1: job 1", "host tick 2") // the guest and the host both run
	if err := syscall.Kill(cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	after := until("stopped by Ctrl-C")
	for _, want := range []string{
		"worker 1: cancelled, cleaning up",
		"worker 2: cancelled, cleaning up",
		"worker 3: cancelled, cleaning up",
		"collector: cancelled, cleaning up",
	} {
		if !slices.Contains(after, want) {
			t.Errorf("output after SIGINT lacks %q: %q", want, after)
		}
	}
	// The host learns of the guest's end only after every guest task left.
	if i := slices.IndexFunc(after, func(s string) bool { return strings.HasPrefix(s, "guest cancelled after ") }); i != len(after)-2 {
		t.Errorf("want \"guest cancelled after N results\" just before the last line: %q", after)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			t.Fatalf("exit: %v, want status 130", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit within 10s")
	}
}
