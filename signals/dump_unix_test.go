//go:build unix

package signals_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/signals"
)

// waitBound only turns a hang into a failure; nothing is timed by it.
const waitBound = time.Minute

// dumps collects what a dumper writes, one dump per Write.
type dumps struct {
	ch chan string
}

func newDumps() *dumps { return &dumps{ch: make(chan string, 8)} }

func (d *dumps) Write(p []byte) (int, error) {
	d.ch <- string(p)
	return len(p), nil
}

func (d *dumps) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-d.ch:
		return s
	case <-time.After(waitBound):
		t.Fatal("no dump")
		return ""
	}
}

func usr1(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
}

// X1 (one process): SIGUSR1 dumps the task tree, every goroutine's stack
// and the end-of-actor footer, once per signal.
func TestDumpOnSIGUSR1(t *testing.T) {
	out := newDumps()
	var tok *sc.Token
	ready := make(chan struct{})
	stopRun := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- sc.Run(func(ctx context.Context) error {
			tok = sc.CurrentTask(ctx).Runner().Token()
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("sleeper", func(ctx context.Context) error { return sc.SleepForever(ctx) })
				close(ready)
				err := sc.ToGoroutine(ctx, func(context.Context) error { <-stopRun; return nil }, false)
				n.CancelScope().Cancel() // ends the sleeper
				return err
			})
		})
	}()
	<-ready
	release, err := signals.DumpOnSIGUSR1("dump-test", tok, signals.WithOutput(out), quiet)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		usr1(t)
		d := out.next(t)
		footer := fmt.Sprintf("|_____ end-of-dump-test (pid %d) ______\n", os.Getpid())
		for _, want := range []string{
			fmt.Sprintf("----- SIGUSR1: dump-test (pid %d) -----\n", os.Getpid()),
			"SIGINT goes to: the default action (nobody owns it)\n",
			"task tree:\nrunner\n|_ task main #1",
			"task sleeper #3 parked (sleep forever) at ",
			"goroutines:\ngoroutine ",
		} {
			if !strings.Contains(d, want) {
				t.Errorf("dump lacks %q:\n%s", want, d)
			}
		}
		if !strings.HasSuffix(d, footer) {
			t.Errorf("dump does not end with the footer %q:\n%s", footer, d)
		}
	}
	release()
	release()
	select {
	case d := <-out.ch:
		t.Errorf("a signal was dumped twice:\n%s", d)
	default:
	}
	close(stopRun)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A runner that does not answer (a task that never reaches a checkpoint)
// still gets a dump: the stacks, and a line naming the running task.
func TestDumpOfWedgedRunner(t *testing.T) {
	out := newDumps()
	var spin atomic.Bool
	spin.Store(true)
	spinning := make(chan struct{})
	var tok *sc.Token
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- sc.Run(func(ctx context.Context) error {
			tok = sc.CurrentTask(ctx).Runner().Token()
			close(ready)
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("spinner", func(ctx context.Context) error {
					close(spinning)
					for spin.Load() { // no checkpoint: the runner is wedged
					}
					return nil
				})
				return nil
			})
		})
	}()
	<-ready
	release, err := signals.DumpOnSIGUSR1("wedged", tok, signals.WithOutput(out), signals.WithSnapshotBound(50*time.Millisecond), quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	<-spinning
	usr1(t)
	d := out.next(t)
	want := `task tree:
the runner did not answer within 50ms; last running task: "spinner" (still running: it has not reached a checkpoint)
goroutines:
`
	if !strings.Contains(d, want) || !strings.Contains(d, "end-of-wedged") {
		t.Errorf("dump lacks\n%s\ngot:\n%s", want, d)
	}
	spin.Store(false)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The snapshot asked of the wedged runner came back with the run's end.
	usr1(t)
	if d := out.next(t); !strings.Contains(d, "task tree:\n") || !strings.Contains(d, "end-of-wedged") {
		t.Errorf("dump after the run ended:\n%s", d)
	}
}

// X1 (one level): after its own dump, the dumper relays SIGUSR1 to the
// children its hook names, which dump in turn.
func TestDumpRelaysToChildren(t *testing.T) {
	kid := child(t, "dump")
	kid.Until(t, "ready")
	out := newDumps()
	var mu sync.Mutex
	var order []string
	release, err := signals.DumpOnSIGUSR1("parent", nil, signals.WithOutput(out), quiet, signals.WithRelay(func() []int {
		mu.Lock()
		order = append(order, "relay")
		mu.Unlock()
		return []int{kid.Cmd.Process.Pid, 0, os.Getpid()} // the invalid ids are skipped
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	usr1(t)
	if d := out.next(t); !strings.Contains(d, "(no runner to ask)") || !strings.Contains(d, "end-of-parent") {
		t.Errorf("parent's dump:\n%s", d)
	}
	lines := kid.Until(t, "|_____ end-of-child")
	if !strings.HasPrefix(lines[0], "----- SIGUSR1: child (pid ") || !strings.Contains(strings.Join(lines, "\n"), "task main #1") {
		t.Errorf("child's dump: %q", lines)
	}
	kid.Signal(t, os.Interrupt)
	if code, rest := kid.Exit(t); code != 0 || len(rest) != 1 || rest[0] != "child ended: <nil>" {
		t.Errorf("child: status %d, output %q; a relayed signal dumps once", code, rest)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 1 {
		t.Errorf("relay hook called %d times for one signal", len(order))
	}
}

func TestDumpOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		give signals.DumpOption
		want string
	}{
		{"bound", signals.WithSnapshotBound(0), "signals: DumpOnSIGUSR1: WithSnapshotBound(0s): the bound must be positive"},
		{"output", signals.WithOutput(nil), "signals: DumpOnSIGUSR1: WithOutput(nil): a dump needs a writer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release, err := signals.DumpOnSIGUSR1("x", nil, tt.give)
			if err == nil || err.Error() != tt.want || release != nil {
				t.Fatalf("DumpOnSIGUSR1 = %v, want the error %q", err, tt.want)
			}
		})
	}
}
