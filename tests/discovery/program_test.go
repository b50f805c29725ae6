//go:build unix

package discovery_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/ipc"
)

// programEnv makes the test binary a program of its own (one of programs),
// started by a test as a separate process: "name registryAddr hexToken
// [arg]". Its stdout is the test's view of it.
const programEnv = "HITCH_TEST_PROGRAM"

// programs are the separate programs the tests start.
var programs = map[string]func(regAddr ipc.Addr, token []byte, arg string) error{
	"sigtree": runSigTree,
	"remote":  runRemote,
}

// runProgram runs the program spec names and returns its exit status.
func runProgram(spec string) int {
	f := strings.Fields(spec)
	if len(f) < 3 || programs[f[0]] == nil {
		fmt.Fprintf(os.Stderr, "bad %s %q\n", programEnv, spec)
		return 2
	}
	addr, err := ipc.ParseAddr(f[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	token, err := hex.DecodeString(f[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	arg := ""
	if len(f) > 3 {
		arg = f[3]
	}
	if err := programs[f[0]](addr, token, arg); err != nil {
		fmt.Println("error:", err)
		var stopped *actor.StoppedError
		if errors.As(err, &stopped) {
			return 130
		}
		return 1
	}
	return 0
}

// program is a running separate program: its stdout lines arrive on lines
// (closed at end-of-file); its stderr is kept for failure reports.
type program struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser // closing it asks the programs that read it to end
	lines  chan string
	stderr *bytes.Buffer
	done   chan struct{} // closed once the process is reaped
	err    error         // Wait's error, once done
}

// startProgram starts the test binary as program name, joining the tree
// at regAddr with token. prefix, if any, is a command that runs it (ip
// netns exec). The process is killed and reaped when the test ends, even
// on failure. It may be called from a task: it does not block.
func startProgram(t *testing.T, prefix []string, name string, regAddr ipc.Addr, token []byte, arg string) (*program, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	argv := append(append([]string(nil), prefix...), exe, "-test.run=^$")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %s %s", programEnv, name, regAddr, hex.EncodeToString(token), arg))
	p := &program{cmd: cmd, lines: make(chan string, 64), stderr: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = &lockedWriter{w: p.stderr}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(p.lines)
		s := bufio.NewScanner(out)
		for s.Scan() {
			p.lines <- s.Text()
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() {
		wg.Wait() // Wait closes the pipe: read it to the end first
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.stdin.Close()
		_ = cmd.Process.Kill()
		for range p.lines {
		}
		<-p.done
	})
	return p, nil
}

// expect reads lines until one contains want, and returns the lines read;
// it fails at end-of-file.
func (p *program) expect(want string) ([]string, error) {
	var seen []string
	for l := range p.lines {
		seen = append(seen, l)
		if strings.Contains(l, want) {
			return seen, nil
		}
	}
	<-p.done
	return seen, fmt.Errorf("program ended (%v) before printing %q; stdout:\n%s\nstderr:\n%s",
		p.err, want, strings.Join(seen, "\n"), p.stderrText())
}

// wait reads the rest of stdout and waits for the exit.
func (p *program) wait() ([]string, error) {
	var rest []string
	for l := range p.lines {
		rest = append(rest, l)
	}
	<-p.done
	return rest, p.err
}

func (p *program) signal(s syscall.Signal) error { return p.cmd.Process.Signal(s) }

func (p *program) stderrText() string {
	w := p.cmd.Stderr.(*lockedWriter)
	w.mu.Lock()
	defer w.mu.Unlock()
	return p.stderr.String()
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
