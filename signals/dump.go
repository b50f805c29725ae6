package signals

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/internal/sigguard"
)

// DumpOnSIGUSR1 answers SIGUSR1 with a dump of this process until release
// is called. name names the process in the dump (the actor's name, or the
// program's); tok is the sc runner's token whose task tree is dumped (nil:
// no tree, only stacks). A dump holds, in one Write to the output
// (os.Stderr unless WithOutput):
//
//	----- SIGUSR1: NAME (pid PID) -----
//	SIGINT goes to: the owner of SIGINT now, or the default action
//	task tree:
//	the runner's snapshot (sc.TreeNode.String), or why there is none
//	goroutines:
//	every goroutine's stack (runtime.Stack)
//	|_____ end-of-NAME (pid PID) ______
//
// The tree is asked of the runner with a bound (WithSnapshotBound): a
// runner that does not answer in time (a task that never reaches a
// checkpoint, a host loop that does not turn) gets a dump without it, with
// a line saying the runner did not answer and which task was running.
// After the dump, SIGUSR1 is relayed to each process the WithRelay hook
// names, so that an actor tree dumps parent first; each child answers its
// own signal with its own dumper. A SIGUSR1 is dumped once: signals that
// arrive while a dump is queued join it.
//
// DumpOnSIGUSR1 does not block; dumps run on a goroutine of the dumper. It
// claims SIGUSR1 as an owner on the process's signal guard, so the newest
// dumper (or loop signal handler for SIGUSR1) answers. It returns an error
// for an invalid option, and one matching errors.ErrUnsupported on systems
// without SIGUSR1.
//
// release stops answering (SIGUSR1 goes back to the owner below, or to its
// default action, which ends the process) and waits for a dump in
// progress. It is idempotent and safe from any goroutine. A snapshot the
// runner has not answered yet is left behind: it ends when the runner
// answers it or the run ends.
func DumpOnSIGUSR1(name string, tok *sc.Token, opts ...DumpOption) (release func(), err error) {
	c, err := newDumpConfig(opts)
	if err != nil {
		return nil, err
	}
	if sigguard.SIGUSR1 == nil {
		return nil, fmt.Errorf("signals: DumpOnSIGUSR1: this system has no SIGUSR1: %w", errors.ErrUnsupported)
	}
	d := &dumper{
		name: name,
		tok:  tok,
		cfg:  c,
		req:  make(chan struct{}, 1),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
	go d.run()
	unclaim := sigguard.Own(sigguard.Claim{
		Who:     "signals.DumpOnSIGUSR1(" + name + ")",
		Level:   sigguard.LevelOwner,
		Signals: []os.Signal{sigguard.SIGUSR1},
		Handle: func(os.Signal) {
			select {
			case d.req <- struct{}{}:
			default: // a dump is queued and has not started: this signal joins it
			}
		},
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			unclaim()
			close(d.quit)
			<-d.done
		})
	}, nil
}

// dumper answers SIGUSR1 requests on its own goroutine.
type dumper struct {
	name string
	tok  *sc.Token
	cfg  dumpConfig
	req  chan struct{} // capacity 1: a queued dump
	quit chan struct{} // closed by release
	done chan struct{} // closed when run returns

	// pending is a snapshot call the runner has not answered yet, kept so
	// that the next dump waits on it instead of queueing another. Dumper
	// goroutine only.
	pending chan treeResult
}

type treeResult struct {
	tree *sc.TreeNode
	err  error
}

// errNoAnswer says the runner did not hand over its tree within the bound.
var errNoAnswer = errors.New("signals: the runner did not answer")

func (d *dumper) run() {
	defer close(d.done)
	for {
		select {
		case <-d.req:
			d.dump()
		case <-d.quit:
			return
		}
	}
}

// dump writes one dump, then relays SIGUSR1 to the children.
func (d *dumper) dump() {
	var b bytes.Buffer
	pid := os.Getpid()
	fmt.Fprintf(&b, "----- SIGUSR1: %s (pid %d) -----\n", d.name, pid)
	owner := sigguard.OwnerOf(os.Interrupt)
	if owner == "" {
		owner = "the default action (nobody owns it)"
	}
	fmt.Fprintf(&b, "SIGINT goes to: %s\n", owner)
	b.WriteString("task tree:\n")
	d.writeTree(&b)
	b.WriteString("goroutines:\n")
	b.Write(allStacks())
	fmt.Fprintf(&b, "|_____ end-of-%s (pid %d) ______\n", d.name, pid)
	if _, err := d.cfg.out.Write(b.Bytes()); err != nil {
		d.cfg.log.Warn("signals: writing a SIGUSR1 dump failed", "name", d.name, "err", err)
	}
	d.cfg.log.Log(context.Background(), LevelDevx, "signals: SIGUSR1: dumped the task tree and goroutine stacks", "name", d.name)
	d.relay()
}

func (d *dumper) writeTree(b *bytes.Buffer) {
	if d.tok == nil {
		b.WriteString("(no runner to ask)\n")
		return
	}
	tree, err := d.snapshot()
	switch {
	case err == nil:
		b.WriteString(tree.String())
	case errors.Is(err, errNoAnswer):
		fmt.Fprintf(b, "the runner did not answer within %v; last running task: %s\n", d.cfg.bound, lastRunning(d.tok.Runner()))
	case errors.Is(err, sc.ErrRunFinished):
		b.WriteString("(the run has finished)\n")
	default:
		fmt.Fprintf(b, "(no tree: %v)\n", err)
	}
}

// snapshot asks the runner for its task tree and waits at most the bound.
// sc's Token.RunSync takes no ctx yet, so the call runs on a goroutine of
// its own and the bound is kept here; that goroutine stays until the
// runner answers or the run ends, and the next dump waits on the same call
// instead of queueing another. A ctx form of the token's calls
// (Token.RunSyncContext) is coming to sc; with it this becomes one call
// with a timeout ctx, which also drops the snapshot the runner has not
// started by then.
func (d *dumper) snapshot() (*sc.TreeNode, error) {
	if d.pending == nil {
		ch := make(chan treeResult, 1)
		d.pending = ch
		tok := d.tok
		go func() {
			var tree *sc.TreeNode
			err := tok.RunSync(func() error {
				tree = tok.Runner().Snapshot()
				return nil
			})
			ch <- treeResult{tree, err}
		}()
	}
	t := time.NewTimer(d.cfg.bound)
	defer t.Stop()
	select {
	case r := <-d.pending:
		d.pending = nil
		return r.tree, r.err
	case <-t.C:
		return nil, errNoAnswer
	}
}

// allStacks returns every goroutine's stack.
func allStacks() []byte {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// relay sends SIGUSR1 to each child the relay hook names, after this
// process's dump is out.
func (d *dumper) relay() {
	if d.cfg.relay == nil {
		return
	}
	self := os.Getpid()
	for _, pid := range d.cfg.relay() {
		if pid <= 0 || pid == self { // kill(0) or kill(-1) would signal a whole group; self would loop
			d.cfg.log.Warn("signals: not relaying SIGUSR1 to an invalid process id", "pid", pid)
			continue
		}
		d.cfg.log.Log(context.Background(), LevelDevx, "signals: relaying SIGUSR1 to a child process", "pid", pid)
		if err := signalPID(pid, sigguard.SIGUSR1); err != nil {
			d.cfg.log.Warn("signals: relaying SIGUSR1 failed", "pid", pid, "err", err)
		}
	}
}

func signalPID(pid int, sig os.Signal) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	defer p.Release()
	return p.Signal(sig)
}
