package loop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hitchrt/hitch/internal/progtest"
)

const childEnv = "HITCH_LOOP_TEST_CHILD"

// childMain is the program the L5 tests run in a child process: Run with a
// main that sleeps until interrupted, then cleans up (quickly, or slowly in
// mode "slow"). Exit status 130 means Run returned ErrInterrupted.
func childMain(mode string) int {
	err := Run(func(ctx context.Context) error {
		FromContext(ctx).Spawn("helper", func(ctx context.Context) error {
			err := Sleep(ctx, time.Hour)
			fmt.Println("helper ended:", errors.Is(err, ErrCancelled))
			return err
		})
		fmt.Println("ready")
		err := Sleep(ctx, time.Hour)
		fmt.Println("main cancelled:", errors.Is(err, ErrCancelled))
		fmt.Println("cause:", context.Cause(ctx))
		if mode == "slow" {
			fmt.Println("cleanup started")
			cerr := Sleep(ctx, time.Hour)
			fmt.Println("slow cleanup ended:", cerr)
		}
		fmt.Println("cleanup done")
		return err
	})
	fmt.Println("run returned:", err)
	if errors.Is(err, ErrInterrupted) {
		return 130
	}
	return 1
}

// child starts this test binary in child mode.
func child(t *testing.T, mode string) *progtest.Proc {
	t.Helper()
	progtest.NeedSignals(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	return progtest.StartCmd(t, cmd)
}

// expect reads the child's lines until one starts with prefix and returns
// it; it fails on timeout or end of output.
func expect(t *testing.T, p *progtest.Proc, prefix string) string {
	t.Helper()
	seen := p.Until(t, prefix)
	return seen[len(seen)-1]
}

func waitExit(t *testing.T, p *progtest.Proc) int {
	t.Helper()
	code, _ := p.Exit(t)
	return code
}

// L5: a real SIGINT cancels main, whose cleanup runs; other tasks are
// cancelled too; Run returns an interrupted error.
func TestRunSIGINT(t *testing.T) {
	p := child(t, "fast")
	expect(t, p, "ready")
	p.Signal(t, os.Interrupt)
	expect(t, p, "main cancelled: true")
	if got := expect(t, p, "cause:"); got != "cause: "+ErrInterrupted.Error() {
		t.Errorf("main's ctx: %q, want the interrupt as its cause", got)
	}
	expect(t, p, "cleanup done")
	expect(t, p, "helper ended: true")
	line := expect(t, p, "run returned:")
	if !strings.Contains(line, "interrupted") {
		t.Fatalf("Run's error = %q, want an interrupted error", line)
	}
	if code := waitExit(t, p); code != 130 {
		t.Fatalf("exit status %d, want 130", code)
	}
}

// L5: a second SIGINT while main's cleanup still runs ends Run at once.
func TestRunSecondSIGINT(t *testing.T) {
	p := child(t, "slow")
	expect(t, p, "ready")
	p.Signal(t, os.Interrupt)
	expect(t, p, "cleanup started")
	p.Signal(t, os.Interrupt)
	// Close stops the abandoned main: its slow cleanup's await fails at once.
	expect(t, p, "slow cleanup ended: loop: task abandoned")
	line := expect(t, p, "run returned:")
	if !strings.Contains(line, "interrupted") {
		t.Fatalf("Run's error = %q, want an interrupted error", line)
	}
	if code := waitExit(t, p); code != 130 {
		t.Fatalf("exit status %d, want 130", code)
	}
}

// Run returns main's error, and a panic in main as a *PanicError; it
// cancels and awaits the other tasks before returning.
func TestRun(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		main func(ctx context.Context) error
		want func(error) bool
	}{
		{"nil", func(ctx context.Context) error { return Yield(ctx) }, func(err error) bool { return err == nil }},
		{"error", func(ctx context.Context) error { return boom }, func(err error) bool { return errors.Is(err, boom) }},
		{"panic", func(ctx context.Context) error { panic(boom) }, func(err error) bool {
			var pe *PanicError
			return errors.As(err, &pe) && errors.Is(err, boom) && strings.Contains(string(pe.Stack), "run_test.go")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var helperErr error
			err := Run(func(ctx context.Context) error {
				FromContext(ctx).Spawn("helper", func(ctx context.Context) error {
					helperErr = Sleep(ctx, time.Hour)
					return helperErr
				})
				if err := Yield(ctx); err != nil { // let helper start
					return err
				}
				return tt.main(ctx)
			}, WithSIGINTPolicy(false), WithExceptionHandler(func(ec ExceptionContext) {
				t.Errorf("unexpected report: %s: %v", ec.Message, ec.Err)
			}))
			if !tt.want(err) {
				t.Fatalf("Run = %v", err)
			}
			if !errors.Is(helperErr, ErrCancelled) {
				t.Fatalf("helper's sleep = %v, want ErrCancelled", helperErr)
			}
		})
	}
}
