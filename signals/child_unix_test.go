//go:build unix

package signals_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/internal/progtest"
	"github.com/hitchrt/hitch/loop"
	"github.com/hitchrt/hitch/signals"
)

// quiet keeps the claims' reports out of the test output.
var quiet = signals.WithLogger(slog.New(slog.DiscardHandler))

// child starts this test binary as the child program mode.
func child(t *testing.T, mode string) *progtest.Proc {
	t.Helper()
	progtest.NeedSignals(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	return progtest.StartCmd(t, cmd)
}

// childMain runs a child program. Each step prints a line and waits for
// what the parent test does on reading it; the last step waits to be
// killed by SIGINT's default action.
func childMain(mode string) int {
	handled := make(chan string, 4)
	report := func(what string) func(os.Signal) { return func(os.Signal) { handled <- what } }
	step := func(line string) { fmt.Println(line) }
	waitHandled := func() { fmt.Println("handled:", <-handled) }
	switch mode {
	case "runtime-then-repl":
		// A REPL opens while the runtime runs and closes first.
		releaseRT := signals.Own("runtime", report("runtime cancel"), report("runtime escalate"), quiet)
		unshield := signals.ShieldSIGINT("repl", func() { handled <- "repl redraw" }, quiet)
		step("shielded")
		waitHandled()
		unshield()
		step("unshielded")
		waitHandled()
		releaseRT()
	case "repl-outlives-runtime":
		// The runtime ends while a REPL is still open: closing the REPL
		// must not bring the runtime's handler back.
		releaseRT := signals.Own("runtime", report("runtime cancel"), nil, quiet)
		unshield := signals.ShieldSIGINT("repl", func() { handled <- "repl redraw" }, quiet)
		releaseRT()
		step("shielded")
		waitHandled()
		unshield()
	case "loop-run":
		err := loop.Run(func(ctx context.Context) error {
			unshield := signals.ShieldSIGINT("repl", func() { handled <- "repl redraw" }, quiet)
			step("shielded")
			waitHandled()
			unshield()
			step("unshielded")
			return loop.Sleep(ctx, time.Hour)
		})
		fmt.Println("run returned:", err)
	case "dump":
		err := sc.Run(func(ctx context.Context) error {
			release, err := signals.DumpOnSIGUSR1("child", sc.CurrentTask(ctx).Runner().Token(), signals.WithOutput(os.Stdout), quiet)
			if err != nil {
				return err
			}
			defer release()
			stop := make(chan struct{})
			defer signals.Own("child", func(os.Signal) { close(stop) }, nil, quiet)()
			fmt.Println("ready")
			return sc.ToGoroutine(ctx, func(ctx context.Context) error { <-stop; return nil }, false)
		})
		fmt.Println("child ended:", err)
		return 0
	default:
		fmt.Println("unknown child mode", mode)
		return 2
	}
	step("released")
	time.Sleep(time.Hour) // until SIGINT's default action ends the process
	return 1
}

// killedBy reports whether the child was ended by sig's default action.
func killedBy(t *testing.T, p *progtest.Proc, sig syscall.Signal) {
	t.Helper()
	code, rest := p.Exit(t)
	ws, ok := p.Cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != sig {
		t.Fatalf("child exited with status %d (%v), want it killed by %v; output after release: %q\nstderr:\n%s", code, p.Cmd.ProcessState, sig, rest, p.Stderr())
	}
}
