package main

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/hitchrt/hitch/internal/progtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// childPID returns the infected child's pid from the line that announces
// it.
func childPID(t *testing.T, p *progtest.Proc, lines []string) int {
	t.Helper()
	const prefix = "started the infected child: pid "
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

// The parent streams 100 lines and the sentinel through the infected
// child's host task, which echoes each; the program exits 0, its child
// gone.
func TestInfectedEcho(t *testing.T) {
	p := progtest.Start(t, progtest.Build(t, "."), "-n", "100")
	code, lines := p.Exit(t)
	if code != 0 {
		t.Fatalf("exit status %d\n%s", code, p.Stderr())
	}
	child := childPID(t, p, lines)
	want := []string{
		"child says: echo server up on the host loop of pid " + strconv.Itoa(child),
		"echo: line 1", "echo: line 100", "echo: stop", "the child echoed 100 lines",
	}
	for _, w := range want {
		if !slices.Contains(lines, w) {
			t.Errorf("output lacks %q:\n%s", w, strings.Join(lines, "\n"))
		}
	}
	progtest.WaitGone(t, child)
}

// Ctrl-C while the lines flow stops the tree: the child's host task is
// stopped with its guest, the child exits, and the program exits 130.
func TestInfectedEchoCtrlC(t *testing.T) {
	progtest.NeedSignals(t)
	p := progtest.Start(t, progtest.Build(t, "."), "-n", "100000", "-pace", "10ms")
	lines := p.Until(t, "started the infected child: pid ", "echo: line 3")
	child := childPID(t, p, lines)
	p.Signal(t, os.Interrupt)
	code, rest := p.Exit(t)
	if code != 130 {
		t.Fatalf("exit status %d, want 130\n%s", code, p.Stderr())
	}
	if len(rest) == 0 || rest[len(rest)-1] != "stopped by SIGINT" {
		t.Errorf("want the last line %q:\n%s", "stopped by SIGINT", strings.Join(rest, "\n"))
	}
	if !strings.Contains(p.Stderr(), "[echo] echo server: stopped:") {
		t.Errorf("the child's host task did not report its stop:\n%s", p.Stderr())
	}
	progtest.WaitGone(t, child)
}
