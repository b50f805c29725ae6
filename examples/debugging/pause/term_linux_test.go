package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hitchrt/hitch/internal/progtest"
)

const (
	header = `hitch: paused in actor root, task main\r?\n`
	prompt = `\(debug\) `
)

// The root pauses once: the header names actor and task; c goes on and the
// program ends cleanly.
func TestPauseContinue(t *testing.T) {
	tm := progtest.StartTermHome(t, t.TempDir(), progtest.Build(t, "."))
	tm.Expect(t, `pause: turn 1`)
	tm.Expect(t, header)
	tm.Expect(t, prompt)
	tm.Line(t, "c")
	tm.Expect(t, `pause: done`)
	if code := tm.Exit(t); code != 0 {
		t.Fatalf("exit status %d\n%s", code, tm.Output())
	}
}

// q ends the paused task with the quit error, which the program reports.
func TestPauseQuit(t *testing.T) {
	tm := progtest.StartTermHome(t, t.TempDir(), progtest.Build(t, "."))
	tm.Expect(t, prompt)
	tm.Line(t, "q")
	tm.Expect(t, `pause: (?s:.*)debug: quit from the REPL`)
	if code := tm.Exit(t); code != 1 {
		t.Fatalf("exit status %d, want 1\n%s", code, tm.Output())
	}
}

// Pausing in a loop: each c comes back to a fresh REPL at the next turn.
func TestPauseLoop(t *testing.T) {
	tm := progtest.StartTermHome(t, t.TempDir(), progtest.Build(t, "."), "-loop")
	for _, turn := range []string{"1", "2", "3"} {
		tm.Expect(t, `pause: turn `+turn)
		tm.Expect(t, header)
		tm.Expect(t, prompt)
		tm.Line(t, "p turn")
		tm.Expect(t, `turn = `+turn)
		tm.Line(t, "c")
	}
	tm.Expect(t, `pause: done`)
	if code := tm.Exit(t); code != 0 {
		t.Fatalf("exit status %d\n%s", code, tm.Output())
	}
}

// Ctrl-C three times at the prompt only puts up a fresh prompt; the REPL
// and the program go on as before.
func TestPauseCtrlC(t *testing.T) {
	tm := progtest.StartTermHome(t, t.TempDir(), progtest.Build(t, "."))
	tm.Expect(t, prompt)
	for range 3 {
		tm.CtrlC(t)
		tm.Expect(t, prompt)
	}
	tm.Line(t, "p greeting")
	tm.Expect(t, `greeting = "hello"`)
	tm.Line(t, "c")
	tm.Expect(t, `pause: done`)
	if code := tm.Exit(t); code != 0 {
		t.Fatalf("exit status %d\n%s", code, tm.Output())
	}
}

// The commands, typed at a real terminal; the history survives a restart.
func TestPauseCommands(t *testing.T) {
	home, bin := t.TempDir(), progtest.Build(t, ".")
	tm := progtest.StartTermHome(t, home, bin)
	tm.Expect(t, prompt)
	tm.Line(t, "help")
	tm.Expect(t, `continue, c +leave the REPL`)
	tm.Expect(t, prompt)
	tm.Line(t, "vars")
	tm.Expect(t, `greeting = "hello"\r?\nturn = 1`)
	tm.Expect(t, prompt)
	tm.Line(t, "") // an empty line repeats vars
	tm.Expect(t, `greeting = "hello"\r?\nturn = 1`)
	tm.Line(t, "p nope")
	tm.Expect(t, `no value named "nope"`)
	tm.Line(t, "frobnicate")
	tm.Expect(t, `unknown command "frobnicate"`)
	tm.Line(t, "bt")
	tm.Expect(t, `main\.main\.func1\.1`)
	tm.Line(t, "l")
	tm.Expect(t, `=> +\d+: .*debug\.Pause\(ctx`)
	tm.Line(t, "tasks")
	tm.Expect(t, `sibling`)
	tm.Line(t, "actors")
	tm.Expect(t, `this actor only`)
	tm.Line(t, "c")
	if code := tm.Exit(t); code != 0 {
		t.Fatalf("exit status %d\n%s", code, tm.Output())
	}
	if _, err := os.Stat(filepath.Join(home, "cache", "hitch", "history")); err != nil {
		t.Fatalf("no history file: %v", err)
	}

	// Restart: up-arrow twice brings back the command before c.
	tm = progtest.StartTermHome(t, home, bin)
	tm.Expect(t, prompt)
	tm.Type(t, "\x1b[A\x1b[A\r")
	tm.Expect(t, `actors`)
	tm.Expect(t, `this actor only`)
	tm.Line(t, "c")
	if code := tm.Exit(t); code != 0 {
		t.Fatalf("exit status %d\n%s", code, tm.Output())
	}
}
