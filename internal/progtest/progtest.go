// Package progtest drives real programs from tests, as a person at a
// terminal would: build a main package, start it, read its output line by
// line with bounded waits, send it signals, check how it exited. Whatever a
// test starts is killed and reaped when the test ends, pass or fail.
package progtest

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Timeout bounds every wait of this package: a build, a line, an exit.
const Timeout = 2 * time.Minute

// Build compiles the main package pkg (a path such as ".") into the
// test's temporary directory with extra go build flags, and returns the
// binary's path.
func Build(t testing.TB, pkg string, flags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(filepath.Clean(pkg))+".bin")
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	args := append(append([]string{"build"}, flags...), "-o", bin, pkg)
	if out, err := exec.CommandContext(ctx, "go", args...).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// Proc is a started program whose standard output a test reads by lines.
type Proc struct {
	Cmd    *exec.Cmd
	lines  chan string // stdout, closed at EOF
	stderr lockedBuffer
	once   sync.Once
	err    error // Cmd.Wait's
}

// Start runs bin with args. Its stdout is read line by line; its stderr is
// kept for failure messages. The process is killed and reaped at the end
// of the test.
func Start(t testing.TB, bin string, args ...string) *Proc {
	t.Helper()
	return StartCmd(t, exec.Command(bin, args...))
}

// StartCmd is Start for a command the test prepared (its environment, its
// directory); the command's Stdout and Stderr must be unset.
func StartCmd(t testing.TB, cmd *exec.Cmd) *Proc {
	t.Helper()
	p := &Proc{Cmd: cmd, lines: make(chan string, 1024)}
	p.Cmd.Stderr = &p.stderr
	stdout, err := p.Cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.lines)
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			p.lines <- s.Text()
		}
	}()
	t.Cleanup(func() {
		p.Cmd.Process.Kill()
		for range p.lines { // let the reader finish before Wait
		}
		p.reap()
	})
	return p
}

func (p *Proc) reap() error {
	p.once.Do(func() { p.err = p.Cmd.Wait() })
	return p.err
}

// Stderr returns what the program wrote to its standard error so far.
func (p *Proc) Stderr() string { return p.stderr.String() }

// NeedSignals skips the test where a program cannot be sent os.Interrupt
// (Windows has no way to deliver it to another process).
func NeedSignals(t testing.TB) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("sends os.Interrupt to a child process, which Windows cannot do")
	}
}

// Signal sends sig to the program. Tests that call it call NeedSignals
// first.
func (p *Proc) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// Until reads lines until every one of wants has appeared (a line equal to
// a want or starting with it) and returns the lines read. The test fails
// if the output ends or Timeout passes first.
func (p *Proc) Until(t testing.TB, wants ...string) []string {
	t.Helper()
	var seen []string
	missing := func() bool {
		return slices.ContainsFunc(wants, func(w string) bool {
			return !slices.ContainsFunc(seen, func(l string) bool { return strings.HasPrefix(l, w) })
		})
	}
	timeout := time.After(Timeout)
	for missing() {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("output ended before all of %q; got %q\nstderr:\n%s", wants, seen, p.Stderr())
			}
			seen = append(seen, line)
		case <-timeout:
			t.Fatalf("not all of %q within %v; got %q", wants, Timeout, seen)
		}
	}
	return seen
}

// Rest reads the output to its end and returns the lines not read yet.
func (p *Proc) Rest(t testing.TB) []string {
	t.Helper()
	var rest []string
	timeout := time.After(Timeout)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				return rest
			}
			rest = append(rest, line)
		case <-timeout:
			t.Fatalf("output did not end within %v; got %q", Timeout, rest)
		}
	}
}

// Exit reads the output to its end (returning the unread lines) and waits
// for the program to exit, returning its exit code (-1 if a signal killed
// it). The test fails if that takes longer than Timeout.
func (p *Proc) Exit(t testing.TB) (code int, rest []string) {
	t.Helper()
	rest = p.Rest(t)
	done := make(chan error, 1)
	go func() { done <- p.reap() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0, rest
		case errors.As(err, &ee):
			return ee.ExitCode(), rest
		default:
			t.Fatalf("wait: %v", err)
		}
	case <-time.After(Timeout):
		t.Fatalf("no exit within %v", Timeout)
	}
	return -1, rest
}

// lockedBuffer is a strings.Builder safe for the writer goroutine exec
// runs and the test reading it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
