package debug_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/debug"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// safeBuffer is a bytes.Buffer the REPL's goroutines and the test share.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *safeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *safeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// script feeds the REPL fixed lines and captures what it writes.
func script(lines ...string) (*safeBuffer, []debug.Option) {
	out := &safeBuffer{}
	return out, []debug.Option{debug.Input(strings.NewReader(strings.Join(lines, "\n") + "\n")), debug.Output(out)}
}

func TestPauseContinue(t *testing.T) {
	out, opts := script("c")
	err := sc.Run(func(ctx context.Context) error { return debug.Pause(ctx, opts...) })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "hitch: paused in actor root, task main\n") {
		t.Fatalf("no header in %q", out)
	}
}

func TestPauseQuit(t *testing.T) {
	_, opts := script("q")
	err := sc.Run(func(ctx context.Context) error { return debug.Pause(ctx, opts...) })
	if !errors.Is(err, debug.ErrQuit) {
		t.Fatalf("got %v, want ErrQuit", err)
	}
}

func TestPauseInLoopReenters(t *testing.T) {
	out, opts := script("c", "c", "c")
	err := sc.Run(func(ctx context.Context) error {
		for range 3 {
			if err := debug.Pause(ctx, opts...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "hitch: paused"); n != 3 {
		t.Fatalf("%d REPLs, want 3:\n%s", n, out)
	}
}

func TestPauseCancelled(t *testing.T) {
	out, opts := script("c")
	err := sc.Run(func(ctx context.Context) error {
		return sc.OpenCancelScope(ctx, func(ctx context.Context, cs *sc.CancelScope) error {
			cs.Cancel()
			err := debug.Pause(ctx, opts...)
			if !errors.Is(err, sc.ErrCancelled) || !strings.Contains(err.Error(), "debug.Shield()") {
				t.Errorf("unshielded: got %v, want a cancelled error naming the shield", err)
			}
			return debug.Pause(ctx, append(opts, debug.Shield())...)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "hitch: paused"); n != 1 {
		t.Fatalf("%d REPLs, want the shielded one:\n%s", n, out)
	}
}

// The REPL reads on a goroutine of its own: the paused task's siblings keep
// running, here the one that types the command.
func TestPauseDoesNotStallRunner(t *testing.T) {
	pr, pw := io.Pipe()
	out := &safeBuffer{}
	err := sc.Run(func(ctx context.Context) error {
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("typist", func(ctx context.Context) error {
				return sc.ToGoroutine(ctx, func(context.Context) error {
					_, err := io.WriteString(pw, "c\n")
					return err
				}, false)
			})
			return debug.Pause(ctx, debug.Input(pr), debug.Output(out))
		})
	})
	pw.Close()
	if err != nil {
		t.Fatal(err)
	}
}

func TestCommands(t *testing.T) {
	out, opts := script("help", "p answer", "p nope", "vars", "", "frobnicate", "bt", "l", "tasks", "actors", "c")
	err := sc.Run(func(ctx context.Context) error {
		return debug.Pause(ctx, append(opts, debug.Var("answer", 42), debug.Vars(map[string]any{"name": "x"}))...)
	})
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"continue, c", "An empty line repeats",
		"answer = 42\n",
		`no value named "nope"`,
		"answer = 42\nname = \"x\"\n(debug) answer = 42\nname = \"x\"\n", // vars, then the empty line repeats it
		`unknown command "frobnicate"`,
		"debug_test.TestCommands",
		"=> ", "debug.Pause(ctx",
		"task main",
		"this actor only",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
}

func TestPostMortem(t *testing.T) {
	out, opts := script("bt", "c")
	err := sc.Run(func(ctx context.Context) error {
		err := sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("boom", func(context.Context) error { panic("kaboom") })
			return nil
		})
		return debug.PostMortem(ctx, err, opts...)
	})
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"hitch: crashed in actor root, task main", "kaboom", "panic stack:", "debug_test.TestPostMortem"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
}

func TestGuard(t *testing.T) {
	boom := errors.New("boom")
	_, opts := script("c")
	if err := debug.Guard(func() error { return boom }, opts...); !errors.Is(err, boom) {
		t.Fatalf("re-raise: got %v", err)
	}
	_, opts = script("c")
	if err := debug.Guard(func() error { return boom }, append(opts, debug.Suppress())...); err != nil {
		t.Fatalf("suppress: got %v", err)
	}
	out, opts := script("q")
	err := debug.Guard(func() error { panic("kaboom") }, append(opts, debug.Suppress())...)
	if _, ok := errors.AsType[*sc.PanicError](err); !ok {
		t.Fatalf("quit re-raises the panic: got %v", err)
	}
	if !strings.Contains(out.String(), "hitch: crashed in actor root, goroutine") {
		t.Fatalf("no header in %q", out)
	}
	if err := debug.Guard(func() error { return nil }, debug.Shield()); err == nil || !strings.Contains(err.Error(), "Shield") {
		t.Fatalf("Shield is not Guard's: got %v", err)
	}
}

func TestOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		opt  debug.Option
		want string
	}{
		{debug.Shield(), "option Shield: PauseFromSync"},
		{debug.Var("", 1), "option Var: empty name"},
		{debug.Input(nil), "option Input"},
		{debug.Output(nil), "option Output"},
	} {
		if err := debug.PauseFromSync(tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

// attach runs main with the runner attached and detaches at the end.
func attach(t *testing.T, main func(ctx context.Context) error) error {
	t.Helper()
	return sc.Run(func(ctx context.Context) error {
		detach, err := debug.Attach(sc.CurrentTask(ctx).Runner().Token())
		if err != nil {
			return err
		}
		defer detach()
		return main(ctx)
	})
}

func TestPauseFromSyncGoroutines(t *testing.T) {
	out, opts := script("c", "c", "c")
	err := attach(t, func(ctx context.Context) error {
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for range 2 {
			wg.Go(func() { errs <- debug.PauseFromSync(opts...) })
		}
		// The main task pauses too, while the goroutines' lock tasks queue.
		err := debug.Pause(ctx, opts...)
		err = errors.Join(err, sc.ToGoroutine(ctx, func(context.Context) error { wg.Wait(); return nil }, false))
		close(errs)
		for e := range errs {
			err = errors.Join(err, e)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if n := strings.Count(got, "hitch: paused in actor root, goroutine"); n != 2 {
		t.Fatalf("%d goroutine REPLs, want 2:\n%s", n, got)
	}
	if n := strings.Count(got, "hitch: paused in actor root, task main"); n != 1 {
		t.Fatalf("%d task REPLs, want 1:\n%s", n, got)
	}
}

func TestPauseFromSyncInStep(t *testing.T) {
	out, opts := script("tasks", "c")
	err := attach(t, func(ctx context.Context) error {
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("worker", func(ctx context.Context) error {
				return debug.PauseFromSync(opts...) // synchronous code of a task step
			})
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "hitch: paused in actor root, task worker") || !strings.Contains(got, "worker") {
		t.Fatalf("got:\n%s", got)
	}
}

func TestPauseFromSyncInStepBusy(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	err := attach(t, func(ctx context.Context) error {
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("paused", func(ctx context.Context) error {
				return debug.Pause(ctx, debug.Input(pr), debug.Output(io.Discard))
			})
			n.StartSoon("step", func(ctx context.Context) error {
				for !debug.CurrentStatus().Active {
					if err := sc.Sleep(ctx, 0); err != nil {
						return err
					}
				}
				if err := debug.PauseFromSync(); !errors.Is(err, debug.ErrBusy) {
					t.Errorf("got %v, want ErrBusy", err)
				}
				return sc.ToGoroutine(ctx, func(context.Context) error {
					_, err := io.WriteString(pw, "c\n")
					return err
				}, false)
			})
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAttachTwice(t *testing.T) {
	err := attach(t, func(ctx context.Context) error {
		_, err := debug.Attach(sc.CurrentTask(ctx).Runner().Token())
		return err
	})
	if !errors.Is(err, debug.ErrAttached) {
		t.Fatalf("got %v, want ErrAttached", err)
	}
}
