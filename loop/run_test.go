package loop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hitchrt/hitch/internal/progtest"
	"github.com/hitchrt/hitch/internal/sigguard"
)

const childEnv = "HITCH_LOOP_TEST_CHILD"

// childMain is the program the L5 tests run in a child process: Run with a
// main that sleeps until interrupted, then cleans up (quickly, or slowly in
// mode "slow"). Exit status 128+N means Run returned an *InterruptedError
// naming signal N (130 for SIGINT, 143 for SIGTERM).
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
	var ie *InterruptedError
	if errors.As(err, &ie) {
		if sig, ok := ie.Signal.(syscall.Signal); ok {
			return 128 + int(sig)
		}
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
// cancelled too; Run returns an interrupted error. SIGTERM does the same,
// and Run's error names it.
func TestRunStopSignal(t *testing.T) {
	tests := []struct {
		name      string
		give      syscall.Signal
		wantCause string
		wantErr   string
		wantCode  int
	}{
		{"SIGINT", syscall.SIGINT, ErrInterrupted.Error(), "loop: interrupted: loop: cancelled", 130},
		{"SIGTERM", syscall.SIGTERM, "loop: interrupted by SIGTERM", "loop: interrupted by SIGTERM: loop: cancelled", 143},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := child(t, "fast")
			expect(t, p, "ready")
			p.Signal(t, tt.give)
			expect(t, p, "main cancelled: true")
			if got := expect(t, p, "cause:"); got != "cause: "+tt.wantCause {
				t.Errorf("main's ctx: %q, want the signal as its cause, %q", got, tt.wantCause)
			}
			expect(t, p, "cleanup done")
			expect(t, p, "helper ended: true")
			if line := expect(t, p, "run returned:"); line != "run returned: "+tt.wantErr {
				t.Fatalf("Run's error = %q, want %q", line, tt.wantErr)
			}
			if code := waitExit(t, p); code != tt.wantCode {
				t.Fatalf("exit status %d, want %d", code, tt.wantCode)
			}
		})
	}
}

// L5: a second SIGINT while main's cleanup still runs ends Run at once;
// a SIGINT after SIGTERM does too, and Run's error names the first.
func TestRunSecondSignal(t *testing.T) {
	for _, first := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sigguard.Name(first), func(t *testing.T) { testRunSecondSignal(t, first) })
	}
}

func testRunSecondSignal(t *testing.T, first syscall.Signal) {
	p := child(t, "slow")
	expect(t, p, "ready")
	p.Signal(t, first)
	expect(t, p, "cleanup started")
	p.Signal(t, os.Interrupt)
	// Close stops the abandoned main: its slow cleanup's await fails at once.
	expect(t, p, "slow cleanup ended: loop: task abandoned")
	line := expect(t, p, "run returned:")
	if !strings.Contains(line, "interrupted") {
		t.Fatalf("Run's error = %q, want an interrupted error", line)
	}
	if code, want := waitExit(t, p), 128+int(first); code != want {
		t.Fatalf("exit status %d, want %d", code, want)
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
