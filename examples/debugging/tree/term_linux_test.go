package main

import (
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/hitchrt/hitch/internal/progtest"
)

const (
	prompt = `\(debug\) `
	header = `hitch: (?:paused|crashed) in actor (\w+)`
)

func startMode(t *testing.T, mode string) *progtest.Term {
	t.Helper()
	return progtest.StartTermHome(t, t.TempDir(), progtest.Build(t, "."), "-mode", mode)
}

// exit waits for the program's exit status and for every process it
// started to be gone.
func exit(t *testing.T, tm *progtest.Term, want int) {
	t.Helper()
	if code := tm.Exit(t); code != want {
		t.Fatalf("exit status %d, want %d\n%s", code, want, tm.Output())
	}
	tm.WaitTreeGone(t)
}

// REPLs never interleave: between two REPL headers there is a prompt of
// the first, and no header comes before a prompt of its own.
func checkTurns(t *testing.T, out string) {
	t.Helper()
	segs := regexp.MustCompile(header).Split(out, -1)
	for i, seg := range segs[1:] {
		if !regexp.MustCompile(prompt).MatchString(seg) {
			t.Fatalf("REPL %d has no prompt of its own before the next one:\n%s", i+1, out)
		}
	}
}

// A sub-actor crashes in debug mode: its post-mortem REPL opens first,
// with the panic and its stack; after c the root's opens on the error
// relayed to it, naming the sub-actor.
func TestCrash(t *testing.T) {
	tm := startMode(t, "crash")
	tm.Expect(t, `tree: started worker, pid \d+`)
	tm.Expect(t, `hitch: crashed in actor worker, task rpc crash`)
	tm.Expect(t, `assignment to entry in nil map`)
	tm.Expect(t, `panic stack:`)
	tm.Expect(t, prompt)
	tm.Line(t, "bt")
	tm.Expect(t, `main\.count`)
	tm.Expect(t, prompt)
	tm.Line(t, "c")
	tm.Expect(t, `hitch: crashed in actor root, task main`)
	tm.Expect(t, `RemoteActorError: remote panics\.Error from worker@`)
	tm.Expect(t, prompt)
	tm.Line(t, "c")
	tm.Expect(t, `(?s)tree: failed: .*worker`)
	exit(t, tm, 1)
	checkTurns(t, tm.Output())
}

// With commands piped in instead of typed, each REPL of the tree reads
// its own line: the sub-actor's never reads ahead into the root's.
func TestCrashPipedInput(t *testing.T) {
	cmd := exec.Command(progtest.Build(t, "."), "-mode", "crash")
	cmd.Stdin = strings.NewReader("p x\nc\nc\n")
	p := progtest.StartCmd(t, cmd)
	lines := p.Until(t, "tree: started worker, pid ")
	code, rest := p.Exit(t)
	out := strings.Join(append(lines, rest...), "\n")
	if code != 1 {
		t.Fatalf("exit status %d, want 1\n%s\n%s", code, out, p.Stderr())
	}
	for _, want := range []string{`hitch: crashed in actor worker`, `no value named "x"`, `hitch: crashed in actor root`, `tree: failed:`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "end of input") {
		t.Errorf("a REPL ran out of input (another read its line):\n%s", out)
	}
	pid, err := strconv.Atoi(strings.TrimPrefix(lines[len(lines)-1], "tree: started worker, pid "))
	if err != nil {
		t.Fatal(err)
	}
	progtest.WaitGone(t, pid)
}

// One sub-actor pauses in a loop while its sibling crashes: the crash,
// which asked while the first REPL was open, comes next, before the
// looper's next turn; every REPL has its own prompt; the root's post-mortem
// on the relayed crash comes last.
func TestHandover(t *testing.T) {
	tm := startMode(t, "handover")
	tm.Expect(t, `hitch: paused in actor looper, task rpc pauseLoop`)
	tm.Expect(t, prompt)
	tm.Line(t, "p turn")
	tm.Expect(t, `turn = 1`)
	tm.Expect(t, prompt)
	tm.WaitFor(t, `crasher: crashing now`)
	tm.WaitFor(t, `tree: crasher waits for the terminal`)
	tm.Line(t, "c")
	var order []string
	for {
		who := tm.Expect(t, header)[1]
		order = append(order, who)
		tm.Expect(t, prompt)
		tm.Line(t, "c")
		if who == "root" {
			break
		}
	}
	crashers := slices.DeleteFunc(slices.Clone(order), func(s string) bool { return s != "crasher" })
	if order[0] != "crasher" || len(crashers) != 1 {
		t.Fatalf("REPLs after the looper's first: %v; want the crasher's next, once", order)
	}
	exit(t, tm, 1)
	if !strings.Contains(tm.Output(), "remote panics.Error from crasher@") {
		t.Fatalf("the root's post-mortem does not name the crasher:\n%s", tm.Output())
	}
	checkTurns(t, tm.Output())
}

// While a sub-actor's REPL is open, Ctrl-C only redraws its prompt, and a
// SIGTERM to the root stops the tree only once that REPL has ended: the
// root's kill ladder waits for it, the child keeps its terminal.
func TestCancelWaitsForREPL(t *testing.T) {
	progtest.NeedSignals(t)
	tm := startMode(t, "cancel")
	pid := tm.PID(t, `tree: started child, pid (\d+)`)
	tm.Expect(t, `hitch: paused in actor child, task rpc pauseOnce`)
	tm.Expect(t, prompt)
	for range 3 {
		tm.CtrlC(t)
		tm.Expect(t, prompt)
	}
	tm.Signal(t, syscall.SIGTERM)
	tm.Expect(t, `stopping it waits for its REPL to end`)
	tm.Line(t, "p who")
	tm.Expect(t, `who = "child"`)
	tm.Expect(t, prompt)
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("the child (pid %d) is gone while its REPL is open: %v", pid, err)
	}
	tm.Line(t, "c")
	tm.Expect(t, `tree: stopped by SIGTERM`)
	exit(t, tm, 143)
}

// A grandchild of the root pauses: its request goes up through its
// parent, and its REPL gets the terminal.
func TestGrandchild(t *testing.T) {
	tm := startMode(t, "grandchild")
	tm.Expect(t, `mid: started leaf, pid \d+`)
	tm.Expect(t, `hitch: paused in actor leaf, task rpc pauseOnce`)
	tm.Expect(t, prompt)
	tm.Line(t, "actors")
	tm.Expect(t, `leaf@\w+ \(sub-actor of mid@\w+\)`)
	tm.Expect(t, prompt)
	tm.Line(t, "c")
	tm.Expect(t, `tree: leaf continued`)
	tm.Expect(t, `tree: done`)
	exit(t, tm, 0)
}

// SIGTERM to the root while a grandchild holds the REPL: the root's kill
// ladder waits for its child, through which the lock is held, until the
// REPL has ended; then the whole tree stops.
func TestGrandchildStop(t *testing.T) {
	progtest.NeedSignals(t)
	tm := startMode(t, "grandchild")
	tm.Expect(t, `hitch: paused in actor leaf, task rpc pauseOnce`)
	tm.Expect(t, prompt)
	tm.Signal(t, syscall.SIGTERM)
	tm.Expect(t, `stopping it waits for its REPL to end.*child=mid@`)
	tm.Line(t, "p who")
	tm.Expect(t, `who = "child"`)
	tm.Expect(t, prompt)
	tm.Line(t, "c")
	tm.Expect(t, `tree: stopped by SIGTERM`)
	exit(t, tm, 143)
}

// q in a sub-actor's REPL: the paused call gets the quit error, the root
// refuses that actor the terminal from then on, and the quit ends the tree
// without a post-mortem anywhere.
func TestQuitBlocks(t *testing.T) {
	tm := startMode(t, "quit")
	tm.Expect(t, `hitch: paused in actor child, task rpc pauseAfterQuit`)
	tm.Expect(t, prompt)
	tm.Line(t, "q")
	tm.Expect(t, `child: quit; pausing again`)
	tm.Expect(t, `child: second pause: .*root@\w+ refused the terminal: debug: actor child quit from its REPL`)
	tm.Expect(t, `(?s)tree: failed: .*debug: quit from the REPL`)
	exit(t, tm, 1)
	if strings.Contains(tm.Output(), "hitch: crashed") {
		t.Fatalf("a quit opened a post-mortem:\n%s", tm.Output())
	}
}

// A sub-actor killed while it holds the REPL: the root releases the lock
// of the vanished holder, and its own post-mortem (on the child's death)
// gets the terminal.
func TestHolderLost(t *testing.T) {
	tm := startMode(t, "lost")
	pid := tm.PID(t, `tree: started child, pid (\d+)`)
	tm.Expect(t, `hitch: paused in actor child, task rpc pauseOnce`)
	tm.Expect(t, prompt)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	tm.Expect(t, `the terminal's holder is gone; lock released`)
	tm.Expect(t, `hitch: crashed in actor root, task main`)
	tm.Expect(t, prompt)
	tm.Line(t, "c")
	tm.Expect(t, `tree: failed:`)
	exit(t, tm, 1)
}

// A sub-actor waiting for the terminal when the root dies gives up with
// an error saying it lost the connection, and exits.
func TestWaiterOrphaned(t *testing.T) {
	// A shell leads the terminal's session, as at a real terminal, and
	// stays until told: the root's death is then not the session leader's,
	// whose SIGHUP would end the child before it can say anything.
	cmd := exec.Command("/bin/sh", "-c", `"$0" "$@"; echo "shell: exit $?"; read _`, progtest.Build(t, "."), "-mode", "orphan")
	cmd.Env = progtest.HomeEnv(t.TempDir())
	tm := progtest.StartTerm(t, cmd)
	root := tm.PID(t, `tree: root pid (\d+)`)
	child := tm.PID(t, `tree: started child, pid (\d+)`)
	tm.Expect(t, `hitch: paused in actor root, task main`)
	tm.Expect(t, prompt)
	// The root's actors command lists the requests waiting for the
	// terminal: ask until the child's is there.
	for {
		tm.Line(t, "actors")
		seg := tm.Expect(t, `(?s)(.*?)`+prompt)[1]
		if strings.Contains(seg, "waiting for the terminal: paused in actor child") {
			break
		}
	}
	if err := syscall.Kill(root, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	tm.WaitFor(t, `child: pause failed: .*lost the connection to root@\w+ while waiting for the terminal`)
	tm.WaitFor(t, `shell: exit 137`)
	progtest.WaitGone(t, child)
	tm.Type(t, "\n") // the root left the terminal raw: Enter is a bare CR
	if code := tm.Exit(t); code != 0 {
		t.Fatalf("shell exit status %d\n%s", code, tm.Output())
	}
	tm.WaitTreeGone(t)
}

// A host task of an infected sub-actor pauses: a guest task takes the
// terminal on its behalf while the host loop keeps turning.
func TestInfectedHostTask(t *testing.T) {
	tm := startMode(t, "infected")
	tm.Expect(t, `tree: started host, pid \d+`)
	tm.Expect(t, `hitch: paused in actor host, task \S+ \(host task\)`)
	tm.Expect(t, prompt)
	tm.Line(t, "p from")
	tm.Expect(t, `from = "host task"`)
	tm.Expect(t, prompt)
	tm.Line(t, "c")
	tm.Expect(t, `tree: done`)
	exit(t, tm, 0)
}

// Two goroutines of the root and one of a sub-actor pause at once: three
// REPLs, one after another, each once.
func TestSyncTree(t *testing.T) {
	tm := startMode(t, "sync")
	var froms []string
	for range 3 {
		tm.Expect(t, `hitch: paused in actor (root|worker), goroutine`)
		tm.Expect(t, prompt)
		tm.Line(t, "p from")
		froms = append(froms, tm.Expect(t, `from = "([^"]*)"`)[1])
		tm.Expect(t, prompt)
		tm.Line(t, "c")
	}
	slices.Sort(froms)
	if want := []string{"child goroutine", "root goroutine 1", "root goroutine 2"}; !slices.Equal(froms, want) {
		t.Fatalf("REPLs of %q, want one each of %q", froms, want)
	}
	tm.Expect(t, `tree: done`)
	exit(t, tm, 0)
	checkTurns(t, tm.Output())
}
