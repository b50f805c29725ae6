//go:build linux

package main

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// buildFlags are extra flags for building the example (see race_test.go).
var buildFlags []string

// build compiles the example into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "uiloop")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", append(append([]string{"build"}, buildFlags...), "-o", bin, ".")...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// start runs the binary with args and returns its stdout lines as they come.
func start(t *testing.T, bin string, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stderr = new(strings.Builder) // read once the process has exited
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 256)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return cmd, lines
}

// until reads lines until one starting with want appears and returns them,
// that one included.
func until(t *testing.T, lines <-chan string, want string) []string {
	t.Helper()
	var seen []string
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("output ended before %q; got %q", want, seen)
			}
			seen = append(seen, line)
			if strings.HasPrefix(line, want) {
				return seen
			}
		case <-timeout:
			t.Fatalf("no %q within 20s; got %q", want, seen)
		}
	}
}

var summary = regexp.MustCompile(`^guest steps on the UI thread: (\d+)/(\d+)$`)

// checkShutdown reads the rest of the output and checks the G11 order
// (the quit request, each guest task's cleanup, the done callback, then
// the loop stops), the G6 summary, and a clean exit.
func checkShutdown(t *testing.T, cmd *exec.Cmd, lines <-chan string, quitLine string) {
	t.Helper()
	out := until(t, lines, "ui loop stopped")
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
	var rest []string
	for line := range lines {
		rest = append(rest, line)
	}
	if len(rest) != 1 {
		t.Fatalf("after the loop stopped, want one summary line, got %q", rest)
	}
	m := summary.FindStringSubmatch(rest[0])
	if m == nil || m[1] != m[2] || m[2] == "0" {
		t.Errorf("want every guest step on the UI thread, got %q", rest[0])
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v, want status 0; stderr:\n%s", err, cmd.Stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit within 10s")
	}
}

// The UI quits after its frames: the guest is cancelled, its tasks clean
// up on the UI thread, and only then does the loop stop.
func TestUILoopQuits(t *testing.T) {
	cmd, lines := start(t, build(t), "-frames", "30")
	checkShutdown(t, cmd, lines, "quit: after 30 frames")
}

// Ctrl-C (a real SIGINT) reaches the UI loop, which quits the same way.
func TestUILoopCtrlC(t *testing.T) {
	cmd, lines := start(t, build(t), "-frames", "0")
	until(t, lines, "status: frame") // the guest runs
	if err := syscall.Kill(cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	checkShutdown(t, cmd, lines, "quit: Ctrl-C")
}
