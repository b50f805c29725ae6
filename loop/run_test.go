package loop

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

const childEnv = "HITCH_LOOP_TEST_CHILD"

// childMain is the program the L5 tests run in a child process: Run with a
// main that sleeps until interrupted, then cleans up (quickly, or slowly in
// mode "slow"). Exit status 130 means Run returned ErrInterrupted.
func childMain(mode string) int {
	err := Run(func(t *Task) error {
		t.Loop().Spawn("helper", func(t *Task) error {
			err := t.Sleep(time.Hour)
			fmt.Println("helper ended:", errors.Is(err, ErrCancelled))
			return err
		})
		fmt.Println("ready")
		err := t.Sleep(time.Hour)
		fmt.Println("main cancelled:", errors.Is(err, ErrCancelled))
		if mode == "slow" {
			fmt.Println("cleanup started")
			cerr := t.Sleep(time.Hour)
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

// child starts this test binary in child mode and returns its stdout lines.
func child(t *testing.T, mode string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return cmd, lines
}

// expect reads lines until one starts with prefix; it fails on timeout or
// end of output.
func expect(t *testing.T, lines <-chan string, prefix string) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("child output ended before %q", prefix)
			}
			t.Logf("child: %s", line)
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			t.Fatalf("no %q from child within 10s", prefix)
		}
	}
}

func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-ctx.Done():
		t.Fatal("child did not exit within 10s")
		return -1
	}
}

// L5: a real SIGINT cancels main, whose cleanup runs; other tasks are
// cancelled too; Run returns an interrupted error.
func TestRunSIGINT(t *testing.T) {
	cmd, lines := child(t, "fast")
	expect(t, lines, "ready")
	if err := syscall.Kill(cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	expect(t, lines, "main cancelled: true")
	expect(t, lines, "cleanup done")
	expect(t, lines, "helper ended: true")
	line := expect(t, lines, "run returned:")
	if !strings.Contains(line, "interrupted") {
		t.Fatalf("Run's error = %q, want an interrupted error", line)
	}
	if code := waitExit(t, cmd); code != 130 {
		t.Fatalf("exit status %d, want 130", code)
	}
}

// L5: a second SIGINT while main's cleanup still runs ends Run at once.
func TestRunSecondSIGINT(t *testing.T) {
	cmd, lines := child(t, "slow")
	expect(t, lines, "ready")
	if err := syscall.Kill(cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	expect(t, lines, "cleanup started")
	if err := syscall.Kill(cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// Close stops the abandoned main: its slow cleanup's await fails at once.
	expect(t, lines, "slow cleanup ended: loop: task abandoned")
	line := expect(t, lines, "run returned:")
	if !strings.Contains(line, "interrupted") {
		t.Fatalf("Run's error = %q, want an interrupted error", line)
	}
	if code := waitExit(t, cmd); code != 130 {
		t.Fatalf("exit status %d, want 130", code)
	}
}

// Run returns main's error, and a panic in main as a *PanicError; it
// cancels and awaits the other tasks before returning.
func TestRun(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		main func(t *Task) error
		want func(error) bool
	}{
		{"nil", func(t *Task) error { return t.Yield() }, func(err error) bool { return err == nil }},
		{"error", func(t *Task) error { return boom }, func(err error) bool { return errors.Is(err, boom) }},
		{"panic", func(t *Task) error { panic(boom) }, func(err error) bool {
			var pe *PanicError
			return errors.As(err, &pe) && errors.Is(err, boom) && strings.Contains(string(pe.Stack), "run_test.go")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var helperErr error
			err := Run(func(task *Task) error {
				task.Loop().Spawn("helper", func(h *Task) error {
					helperErr = h.Sleep(time.Hour)
					return helperErr
				})
				if err := task.Yield(); err != nil { // let helper start
					return err
				}
				return tt.main(task)
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
