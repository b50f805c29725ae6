package progtest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/hitchrt/hitch/internal/proctable"
)

// TermTimeout bounds each wait of a Term: a prompt or line to appear, the
// exit.
const TermTimeout = 30 * time.Second

// Term is a program started on a pseudo-terminal, driven as a person at
// the keyboard would: wait for text to appear, type, press Ctrl-C. Its
// standard input, output and error are all the terminal.
type Term struct {
	Cmd  *exec.Cmd
	pty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer // everything the program wrote; guarded by mu
	pos  int          // where the next Expect starts looking; guarded by mu
	more chan struct{}
	done chan struct{} // closed when the reader stops (the program closed the terminal)
	once sync.Once
	err  error // Cmd.Wait's
}

// StartTerm runs cmd on a new 120x40 pseudo-terminal with TERM=xterm
// added to its environment (cmd.Env, or the test's environment when nil).
// The program is killed and reaped, and the terminal closed, when the test
// ends.
func StartTerm(t testing.TB, cmd *exec.Cmd) *Term {
	t.Helper()
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, "TERM=xterm")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatalf("start %s on a terminal: %v", cmd.Path, err)
	}
	tm := &Term{Cmd: cmd, pty: f, more: make(chan struct{}, 1), done: make(chan struct{})}
	go tm.read()
	t.Cleanup(func() {
		tm.Cmd.Process.Kill()
		tm.reap()
		// The program leads a session of its own (the terminal's), and so
		// does every process it started: none may outlive the test. After
		// a failure they are killed at once; after a pass they get a
		// moment to go on their own, and any left is an error.
		if !t.Failed() {
			if left := tm.waitSession(settle); len(left) > 0 {
				t.Errorf("processes of the program's session outlived it: %v", left)
			}
		}
		tm.killSession()
		tm.pty.Close()
		<-tm.done
	})
	return tm
}

// settle bounds the wait for a program's sub-processes to go once it has
// ended (an orphaned sub-actor notices its lost parent within a second).
const settle = 10 * time.Second

// WaitTreeGone waits, up to ten seconds, until no process of the
// program's session is alive (the program and everything it started, such
// as sub-actors), and fails the test otherwise. Call it after the program
// has exited or been killed.
func (tm *Term) WaitTreeGone(t testing.TB) {
	t.Helper()
	if left := tm.waitSession(settle); len(left) > 0 {
		t.Fatalf("processes of the program's session are still alive after %v: %v", settle, left)
	}
}

// waitSession waits up to d for the session's processes to end and
// returns those still alive.
func (tm *Term) waitSession(d time.Duration) []int {
	deadline := time.Now().Add(d)
	for {
		left := sessionProcs(tm.Cmd.Process.Pid)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// killSession kills every live process of the session and waits, up to
// settle, for them to be gone (init or a subreaper reaps them).
func (tm *Term) killSession() {
	for _, pid := range sessionProcs(tm.Cmd.Process.Pid) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	tm.waitSession(settle)
}

// sessionProcs returns the live (not zombie) processes of session sid.
func sessionProcs(sid int) []int {
	var out []int
	for _, p := range proctable.All(func(p proctable.Proc) bool { return p.Session == sid && p.State != 'Z' }) {
		out = append(out, p.PID)
	}
	return out
}

// PID returns the pid the program printed on a line matching re (its
// first submatch), as Expect finds it.
func (tm *Term) PID(t testing.TB, re string) int {
	t.Helper()
	m := tm.Expect(t, re)
	if len(m) < 2 {
		t.Fatalf("%q has no submatch for the pid", re)
	}
	pid, err := strconv.Atoi(m[1])
	if err != nil || pid <= 0 {
		t.Fatalf("%q: %q is not a pid", re, m[1])
	}
	return pid
}

// Signal sends sig to the program (not to the processes it started).
func (tm *Term) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := tm.Cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// WaitFor waits until everything the program wrote so far, from the
// start, matches re, without moving where the next Expect looks. It is for
// text that may already have passed (another process's line printed in
// between). The test fails if TermTimeout passes first.
func (tm *Term) WaitFor(t testing.TB, re string) {
	t.Helper()
	rx := regexp.MustCompile(re)
	timeout := time.After(TermTimeout)
	for {
		tm.mu.Lock()
		ok := rx.Match(tm.out.Bytes())
		tm.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-tm.more:
		case <-tm.done:
			tm.mu.Lock()
			ok := rx.Match(tm.out.Bytes())
			tm.mu.Unlock()
			if !ok {
				t.Fatalf("terminal closed before %q", re)
			}
		case <-timeout:
			t.Fatalf("no %q within %v; output since the last match:\n%s", re, TermTimeout, tm.since())
		}
	}
}

func (tm *Term) read() {
	defer close(tm.done)
	buf := make([]byte, 4096)
	for {
		n, err := tm.pty.Read(buf)
		if n > 0 {
			tm.mu.Lock()
			tm.out.Write(buf[:n])
			tm.mu.Unlock()
			select {
			case tm.more <- struct{}{}:
			default:
			}
		}
		if err != nil { // EIO once the program and its children closed the terminal
			return
		}
	}
}

func (tm *Term) reap() error {
	tm.once.Do(func() { tm.err = tm.Cmd.Wait() })
	return tm.err
}

// Output returns everything the program wrote so far, escape sequences
// included.
func (tm *Term) Output() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()
}

// Expect waits until the output written since the end of the last match
// matches the regular expression re, and returns the match and its
// submatches. The test fails if the terminal closes or TermTimeout passes
// first.
func (tm *Term) Expect(t testing.TB, re string) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	timeout := time.After(TermTimeout)
	for {
		tm.mu.Lock()
		rest := tm.out.Bytes()[tm.pos:]
		loc := rx.FindSubmatchIndex(rest)
		var m []string
		if loc != nil {
			for i := 0; i < len(loc); i += 2 {
				if loc[i] >= 0 {
					m = append(m, string(rest[loc[i]:loc[i+1]]))
				} else {
					m = append(m, "")
				}
			}
			tm.pos += loc[1]
		}
		tm.mu.Unlock()
		if m != nil {
			return m
		}
		select {
		case <-tm.more:
		case <-tm.done:
			tm.mu.Lock()
			closed := !rx.Match(tm.out.Bytes()[tm.pos:])
			tm.mu.Unlock()
			if closed {
				t.Fatalf("terminal closed before %q; output since the last match:\n%s", re, tm.since())
			}
		case <-timeout:
			t.Fatalf("no %q within %v; output since the last match:\n%s", re, TermTimeout, tm.since())
		}
	}
}

func (tm *Term) since() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return string(tm.out.Bytes()[tm.pos:])
}

// Type sends keys as typed; "\r" is the Enter key.
func (tm *Term) Type(t testing.TB, keys string) {
	t.Helper()
	if _, err := tm.pty.WriteString(keys); err != nil {
		t.Fatalf("type %q: %v", keys, err)
	}
}

// Line types s and presses Enter.
func (tm *Term) Line(t testing.TB, s string) { t.Helper(); tm.Type(t, s+"\r") }

// CtrlC presses Ctrl-C: the terminal sends SIGINT to the program when it
// is in its usual (cooked) mode, or passes the key on when a line editor
// has it in raw mode.
func (tm *Term) CtrlC(t testing.TB) { t.Helper(); tm.Type(t, "\x03") }

// Exit waits for the program to exit and returns its exit code (-1 if a
// signal killed it). The test fails if that takes longer than TermTimeout.
func (tm *Term) Exit(t testing.TB) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- tm.reap() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.ExitCode()
		default:
			t.Fatalf("wait: %v", err)
		}
	case <-time.After(TermTimeout):
		t.Fatalf("no exit within %v; output since the last match:\n%s", TermTimeout, tm.since())
	}
	return -1
}

// HomeEnv returns the test's environment with HOME and XDG_CACHE_HOME
// pointing into dir, so what a program keeps in the user's directories
// (a REPL's history) stays in the test's and survives between runs that
// share dir.
func HomeEnv(dir string) []string {
	return append(os.Environ(), "HOME="+dir, "XDG_CACHE_HOME="+dir+"/cache")
}

// StartTermHome builds nothing: it starts bin with args on a terminal
// (StartTerm) with HomeEnv(dir).
func StartTermHome(t testing.TB, dir, bin string, args ...string) *Term {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = HomeEnv(dir)
	return StartTerm(t, cmd)
}
