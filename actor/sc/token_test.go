package sc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hitchrt/hitch/actor/sc"
)

// blockingTokenCalls are the token calls that wait for the runner.
var blockingTokenCalls = []struct {
	name string
	call func(tk *sc.Token) error
}{
	{"RunSync", func(tk *sc.Token) error { return tk.RunSync(func() error { return nil }) }},
	{"RunSyncContext", func(tk *sc.Token) error {
		return tk.RunSyncContext(context.Background(), func() error { return nil })
	}},
	{"Run", func(tk *sc.Token) error { return tk.Run(func(context.Context) error { return nil }) }},
	{"RunNamed", func(tk *sc.Token) error { return tk.RunNamed("n", func(context.Context) error { return nil }) }},
	{"RunContext", func(tk *sc.Token) error {
		return tk.RunContext(context.Background(), "n", func(context.Context) error { return nil })
	}},
}

// A blocking token call from a task of the same runner, from code the
// runner runs for RunSyncSoon, or (as a guest) from host code on the
// driving goroutine fails at once instead of waiting for itself.
func TestTokenMisuseFromInsideRunner(t *testing.T) {
	for _, c := range blockingTokenCalls {
		t.Run(c.name, func(t *testing.T) {
			runAll(t, func(t *testing.T, run runFunc) {
				fromSoon := make(chan error, 1)
				fromHost := make(chan error, 1)
				err := run(func(ctx context.Context) error {
					tk := sc.CurrentTask(ctx).Runner().Token()
					if err := c.call(tk); !errors.Is(err, sc.ErrInsideRunner) {
						return fmt.Errorf("from a task: %v, want ErrInsideRunner", err)
					}
					var ev sc.Event
					if err := tk.RunSyncSoon(func() { fromSoon <- c.call(tk); ev.Set() }); err != nil {
						return err
					}
					if err := ev.Wait(ctx); err != nil {
						return err
					}
					if err := <-fromSoon; !errors.Is(err, sc.ErrInsideRunner) {
						return fmt.Errorf("from a RunSyncSoon function: %v, want ErrInsideRunner", err)
					}
					var hostDone sc.Event
					if hostPost(ctx, func() { fromHost <- c.call(tk); hostDone.Set() }) {
						if err := hostDone.Wait(ctx); err != nil {
							return err
						}
						if err := <-fromHost; !errors.Is(err, sc.ErrInsideRunner) {
							return fmt.Errorf("from host code: %v, want ErrInsideRunner", err)
						}
					}
					// From a plain goroutine the same call works.
					return sc.ToGoroutine(ctx, func(context.Context) error { return c.call(tk) }, false)
				})
				if err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// A Context form whose ctx ends before the runner picks the call up never
// runs the code, and says so.
func TestTokenContextGivesUpBeforeStart(t *testing.T) {
	ran := false
	r := sc.NewRunner(func(ctx context.Context) error { return nil })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	errs := make(chan error, 2)
	go func() {
		errs <- r.Token().RunSyncContext(ctx, func() error { ran = true; return nil })
		errs <- r.Token().RunContext(ctx, "late", func(context.Context) error { ran = true; return nil })
	}()
	// No tick runs until both calls gave up.
	for range 2 {
		if err := <-errs; !errors.Is(err, sc.ErrNotStarted) || !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want ErrNotStarted and context.Canceled", err)
		}
	}
	if err := driveNative(r); err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatal("code ran after its caller gave up")
	}
}

// RunSyncContext whose code is already running returns when ctx ends,
// without waiting for the code.
func TestTokenRunSyncContextGivesUpWhileRunning(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var end sc.Event
	r := sc.NewRunner(end.Wait)
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() {
		got <- r.Token().RunSyncContext(ctx, func() error {
			close(started)
			<-release // holds the tick, as a wedged runner would
			return errors.New("dropped")
		})
	}()
	driven := make(chan error, 1)
	go func() { driven <- driveNative(r) }()
	<-started
	cancel()
	err := <-got
	if !errors.Is(err, context.Canceled) || errors.Is(err, sc.ErrNotStarted) {
		t.Fatalf("got %v, want a context.Canceled error that is not ErrNotStarted", err)
	}
	close(release)
	if err := r.Token().RunSyncSoon(end.Set); err != nil {
		t.Fatal(err)
	}
	if err := <-driven; err != nil {
		t.Fatal(err)
	}
}

// RunContext whose task is running cancels the task and returns at once;
// the task ends under the runner.
func TestTokenRunContextCancelsRunningTask(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			tk := sc.CurrentTask(ctx).Runner().Token()
			var started, ended sc.Event
			var taskErr error
			gctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			callErr := make(chan error, 1)
			go func() {
				callErr <- tk.RunContext(gctx, "sleeper", func(ctx context.Context) error {
					started.Set()
					defer ended.Set()
					taskErr = sc.SleepForever(ctx)
					return taskErr
				})
			}()
			if err := started.Wait(ctx); err != nil {
				return err
			}
			cancel()
			if err := ended.Wait(ctx); err != nil {
				return err
			}
			if !errors.Is(taskErr, sc.ErrCancelled) {
				return fmt.Errorf("task: %v, want ErrCancelled", taskErr)
			}
			return sc.ToGoroutine(ctx, func(context.Context) error {
				if err := <-callErr; !errors.Is(err, context.Canceled) || errors.Is(err, sc.ErrNotStarted) {
					return fmt.Errorf("RunContext: %v", err)
				}
				return nil
			}, false)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
