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

// Short kill-ladder timings, so a hard kill takes well under a second.
var ladder = []string{"-cancel-timeout", "200ms", "-kill-grace", "300ms"}

// tree is a started hang program: the root and its child's pids.
type tree struct {
	*progtest.Proc
	child int
}

// start builds nothing: it starts bin with args and waits until the child
// sleeps, reading the child's pid from the root's output.
func start(t *testing.T, bin, sleeping string, args ...string) *tree {
	t.Helper()
	progtest.NeedSignals(t)
	p := progtest.Start(t, bin, append(slices.Clone(ladder), args...)...)
	lines := p.Until(t, "hang: root pid ", sleeping)
	i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "hang: root pid ") })
	var root, child int
	if _, err := fmt.Sscanf(lines[i], "hang: root pid %d; child \"stuck\" pid %d", &root, &child); err != nil {
		t.Fatalf("cannot read the pids from %q: %v", lines[i], err)
	}
	if root != p.Cmd.Process.Pid || child <= 0 || child == root {
		t.Fatalf("pids %q: want the root's %d and another for the child", lines[i], p.Cmd.Process.Pid)
	}
	return &tree{Proc: p, child: child}
}

func footer(name string, pid int) string {
	return fmt.Sprintf("|_____ end-of-%s (pid %d) ______", name, pid)
}

// dump sends SIGUSR1 to the root and checks the output up to the child's
// footer: the root's dump, then the child's (prefixed with its name), each
// once, each ending with its footer.
func (tr *tree) dump(t *testing.T) {
	t.Helper()
	rootFooter := footer("hang", tr.Cmd.Process.Pid)
	childFooter := "[stuck] " + footer("stuck", tr.child)
	tr.Signal(t, syscall.SIGUSR1)
	lines := tr.Until(t, rootFooter, childFooter)
	text := strings.Join(lines, "\n")
	for _, l := range []string{rootFooter, childFooter} {
		if n := count(lines, l); n != 1 {
			t.Errorf("%d lines %q in one dump, want 1:\n%s", n, l, text)
		}
	}
	rootHead := index(lines, fmt.Sprintf("----- SIGUSR1: hang (pid %d) -----", tr.Cmd.Process.Pid))
	rootEnd := index(lines, rootFooter)
	childHead := index(lines, fmt.Sprintf("[stuck] ----- SIGUSR1: stuck (pid %d) -----", tr.child))
	childEnd := index(lines, childFooter)
	if rootHead < 0 || childHead < 0 || rootHead >= rootEnd || rootEnd >= childHead || childHead >= childEnd {
		t.Fatalf("want the root's dump (lines %d-%d), then the child's (lines %d-%d):\n%s", rootHead, rootEnd, childHead, childEnd, text)
	}
	root := strings.Join(lines[rootHead:rootEnd+1], "\n")
	for _, want := range []string{"SIGINT goes to: actor hang\ntask tree:\nrunner\n|_ task main #1 parked", "\nmain.main()"} {
		if !strings.Contains(root, want) {
			t.Errorf("the root's dump lacks %q:\n%s", want, root)
		}
	}
	child := strings.Join(lines[childHead:childEnd+1], "\n")
	for _, want := range []string{"[stuck] SIGINT goes to: actor stuck", "[stuck] task tree:", "|_ scope [shielded]"} {
		if !strings.Contains(child, want) {
			t.Errorf("the child's dump lacks %q:\n%s", want, child)
		}
	}
	// Where the child's endpoint waits: in its shielded forever-sleep.
	if !slices.ContainsFunc(lines[childHead:childEnd], func(l string) bool {
		return strings.Contains(l, "|_ task rpc sleep #") && strings.Contains(l, " parked (sleep forever) at ") && strings.Contains(l, "examples/hang/main.go:")
	}) {
		t.Errorf("the child's dump lacks where its endpoint waits:\n%s", child)
	}
}

// exit waits for the root to exit and checks its status, that no dump came
// after the last one checked, and that the child's process is gone.
func (tr *tree) exit(t *testing.T, wantCode int) []string {
	t.Helper()
	code, rest := tr.Exit(t)
	text := strings.Join(rest, "\n")
	if code != wantCode {
		t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, wantCode, text, tr.Stderr())
	}
	if strings.Contains(text, "|_____ end-of-") {
		t.Errorf("a dump after the one asked for:\n%s", text)
	}
	progtest.WaitGone(t, tr.child)
	return rest
}

// X1, X2: SIGUSR1 to the root dumps the root's tree, then the child's;
// a stop signal then cancels the tree gracefully, the shielded child does
// not end, so it gets SIGTERM, then SIGKILL with an error line naming it,
// and the root exits with the signal's status.
func TestHardKill(t *testing.T) {
	bin := progtest.Build(t, ".")
	for _, tt := range []struct {
		sig      os.Signal
		wantCode int
	}{
		{os.Interrupt, 130},
		{syscall.SIGTERM, 143},
	} {
		name := "SIGINT"
		if tt.sig == syscall.SIGTERM {
			name = "SIGTERM"
		}
		t.Run(name, func(t *testing.T) {
			tr := start(t, bin, "stuck: sleeping forever, shielded from cancellation")
			tr.dump(t)
			tr.Signal(t, tt.sig)
			rest := tr.exit(t, tt.wantCode)
			text := strings.Join(rest, "\n")
			child := "child=stuck@"
			steps := []int{
				indexAll(rest, `msg="actor: cancelling sub-actor"`, child),
				indexAll(rest, `msg="actor: sending SIGTERM to sub-actor"`, child, fmt.Sprintf("pid=%d", tr.child)),
				indexAll(rest, "level=ERROR", `msg="actor: sub-actor did not exit after cancel and SIGTERM; killing it"`, child, fmt.Sprintf("pid=%d", tr.child)),
				indexAll(rest, "hang: the tree ended: actor: hang@", "stopped by "+name),
			}
			if !slices.IsSorted(steps) || steps[0] < 0 {
				t.Errorf("want the graceful cancel, SIGTERM, the hard kill naming the child, the end (lines %v):\n%s", steps, text)
			}
			if strings.Contains(text, "lifetime callback") {
				t.Errorf("the killed child ran its lifetime callback:\n%s", text)
			}
		})
	}
}

// X3: SIGINT to a tree whose child is not shielded cancels it gracefully:
// the child's endpoint ends, its lifetime callback runs, and it exits
// without SIGTERM or SIGKILL.
func TestGracefulCancel(t *testing.T) {
	tr := start(t, progtest.Build(t, "."), "stuck: sleeping until cancelled", "-unshielded")
	tr.Signal(t, os.Interrupt)
	rest := tr.exit(t, 130)
	text := strings.Join(rest, "\n")
	// The root's request to the child and the cancel of the call running
	// in it go out concurrently, so the child may see its call cancelled
	// before the root logs the request: only the request's presence is
	// checked, not its place.
	steps := []int{
		index(rest, "stuck: cancelled"),
		index(rest, "stuck: lifetime callback: cleaning up"),
		indexAll(rest, "hang: the tree ended: actor: hang@", "stopped by SIGINT"),
	}
	req := indexAll(rest, `msg="actor: cancelling sub-actor"`, "child=stuck@")
	if !slices.IsSorted(steps) || steps[0] < 0 || req < 0 {
		t.Errorf("want the cancel request, and the child's cancel and lifetime callback, then the end (lines %v, request at %d):\n%s", steps, req, text)
	}
	for _, bad := range []string{"sending SIGTERM to sub-actor", "killing it", "level=ERROR"} {
		if strings.Contains(text, bad) {
			t.Errorf("a graceful cancel shows %q:\n%s", bad, text)
		}
	}
}

func count(lines []string, l string) int {
	n := 0
	for _, x := range lines {
		if x == l {
			n++
		}
	}
	return n
}

// index returns the index of the first line starting with prefix, or -1.
func index(lines []string, prefix string) int {
	return slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, prefix) })
}

// indexAll returns the index of the first line holding every part, or -1.
func indexAll(lines []string, parts ...string) int {
	return slices.IndexFunc(lines, func(l string) bool {
		for _, p := range parts {
			if !strings.Contains(l, p) {
				return false
			}
		}
		return true
	})
}
