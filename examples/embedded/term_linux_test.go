package main

import (
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hitchrt/hitch/internal/progtest"
)

// Ctrl-C pressed in a terminal, as a person would: the terminal sends
// SIGINT to the whole foreground process group, the program and its
// sub-actor alike. The tree stops cleanly all the same: the feed is
// cancelled and its lifetime callback runs while the UI keeps rendering,
// the root's callback runs, the UI loop stops once the guest is done, and
// the program exits 130 after saying so, its child gone.
func TestEmbeddedCtrlC(t *testing.T) {
	tm := progtest.StartTerm(t, exec.Command(progtest.Build(t, "."), "-frames", "0"))
	m := tm.Expect(t, `sub-actor feed started: child pid (\d+)\r?\n`)
	child, err := strconv.Atoi(m[1])
	if err != nil || child == tm.Cmd.Process.Pid {
		t.Fatalf("%q: want the pid of a process other than the program (%d)", m[0], tm.Cmd.Process.Pid)
	}
	tm.Expect(t, `frame \d+: \d+ updates, latest "update \d+ from pid `+m[1]+`"\r?\n`) // streamed and rendered
	tm.CtrlC(t)
	tm.Expect(t, `stopped by Ctrl-C\r?\n`)
	if code := tm.Exit(t); code != 130 {
		t.Fatalf("exit status %d, want 130; output:\n%s", code, tm.Output())
	}
	out := strings.ReplaceAll(strings.ReplaceAll(tm.Output(), "\r\n", "\n"), "^C", "") // the terminal echoes the key
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	checkIntro(t, lines)
	after := checkTeardown(t, lines, regexp.MustCompile(`^guest done: actor: embedded@\S+ stopped by SIGINT$`))
	if len(after) == 0 || after[len(after)-1] != "stopped by Ctrl-C" || slices.ContainsFunc(after, func(s string) bool { return strings.HasPrefix(s, "error") }) {
		t.Errorf("after the loop stopped, want no error and the last line %q, got %q", "stopped by Ctrl-C", after)
	}
	progtest.WaitGone(t, child)
}
