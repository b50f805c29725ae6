package actor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"time"

	"github.com/google/uuid"

	"github.com/hitchrt/hitch/actor/ipc"
	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// child is one sub-actor process started by this actor.
//
// Its life: spawn starts the process and hands it the bootstrap record;
// the child dials back and proves the token (peerUp matches it by uid,
// connected); spawn sends the spawn spec and returns. A reaper goroutine
// waits for the process from the start, so it is always reaped, and
// reports the exit to the runner (exited). stop runs the kill ladder.
type child struct {
	a   *Actor
	id  ActorID
	cfg config

	// Set by startProcess before spawn reads them.
	pid  int
	proc *os.Process
	out  *lineWriter

	// Runner-owned.
	peer      *peer
	wake      sc.Event // set when the child connects or exits
	exitEv    sc.Event // set when the process has been reaped
	exited    bool
	status    string   // the exit status, once exited
	success   bool     // exit status 0
	ready     bool     // the child said it serves (registered)
	readyEv   sc.Event // set when the child is ready or exits
	chanDown  sc.Event // set when its channel has ended
	stopping  bool     // the kill ladder runs or ran
	cancelReq bool     // someone asked it to go: its exit is expected
}

// spawn starts a sub-actor process and returns once it has connected back,
// proven the tree's token and been sent its spawn spec. A child that dies
// first, or does not connect within the spawn timeout, fails the start
// with a *SpawnError naming it, its exit status and the tail of its
// stderr; when spawn returns an error no process is left. Task-only.
func (a *Actor) spawn(ctx context.Context, name string, cfg config) (*child, error) {
	c := &child{a: a, id: ActorID{Name: name, UID: uuid.NewString()}, cfg: cfg}
	a.pending[c.id.UID] = c
	// fork and exec take a few milliseconds: not on the runner.
	err := sc.ToGoroutine(ctx, func(context.Context) error { return c.startProcess() }, false)
	if err != nil {
		delete(a.pending, c.id.UID)
		if c.proc == nil {
			if errors.Is(err, sc.ErrCancelled) {
				return nil, err
			}
			return nil, &SpawnError{Name: name, Err: err}
		}
	}
	a.logger.Log(ctx, LevelRuntime, "actor: sub-actor started", "actor", a.id.String(), "child", c.id.String(), "pid", c.pid)
	werr := sc.MoveOnAfter(ctx, cfg.spawnTimeout, func(ctx context.Context) error { return c.wake.Wait(ctx) })
	if c.exited {
		delete(a.pending, c.id.UID)
		return nil, c.spawnError(errors.New("it exited before connecting back"))
	}
	if werr != nil || c.peer == nil {
		delete(a.pending, c.id.UID)
		serr := c.stop(ctx, "start abandoned")
		if werr != nil {
			return nil, errors.Join(werr, serr)
		}
		return nil, c.spawnError(fmt.Errorf("it did not connect back within %v", cfg.spawnTimeout))
	}
	spec := &msg.SpawnSpec{
		Name: name, UID: c.id.UID, Parent: a.id,
		Vars:          cfg.runtimeVars(),
		RegistryAddrs: a.registryAddrs(),
	}
	if err := c.peer.send(spec); err != nil {
		serr := c.stop(ctx, "spawn spec not sent")
		return nil, errors.Join(c.spawnError(err), serr)
	}
	// The child registers with the registry, then says it is ready: from
	// then on it can be found by name.
	werr = sc.MoveOnAfter(ctx, cfg.spawnTimeout, func(ctx context.Context) error { return c.readyEv.Wait(ctx) })
	if !c.ready {
		serr := c.stop(ctx, "start abandoned")
		if werr != nil {
			return nil, errors.Join(werr, serr)
		}
		if c.exited {
			return nil, c.spawnError(errors.New("it exited before it was ready"))
		}
		return nil, errors.Join(c.spawnError(fmt.Errorf("it was not ready within %v", cfg.spawnTimeout)), serr)
	}
	return c, nil
}

func (c *child) spawnError(err error) *SpawnError {
	e := &SpawnError{Name: c.id.Name, PID: c.pid, Status: c.status, Err: err}
	if c.out != nil && c.exited {
		e.StderrTail = c.out.lastLines()
	}
	return e
}

// startProcess starts the child process and its reaper. It runs on a
// goroutine of its own (see sysProcAttr for why that matters).
func (c *child) startProcess() error {
	exe := c.cfg.binary
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return fmt.Errorf("finding this program's executable: %w", err)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, childArgs(c.id.Name, &c.cfg)...)
	cmd.ExtraFiles = []*os.File{r} // fd 3 in the child
	// The child shares the terminal: a debugger REPL it opens (holding the
	// tree's stdio lock) reads and writes it as the root's would.
	if _, err := os.Stdin.Stat(); err == nil {
		cmd.Stdin = os.Stdin
	}
	cmd.Stdout = os.Stdout
	c.out = &lineWriter{name: c.id.Name, prefix: "[" + c.id.Name + "] ", out: c.cfg.childOutput, log: c.a.logger.Handler()}
	cmd.Stderr = c.out
	cmd.SysProcAttr = sysProcAttr()
	// A grandchild still holding the child's stderr must not keep Wait
	// (and so the reaping) waiting for long.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return err
	}
	r.Close()
	c.proc, c.pid = cmd.Process, cmd.Process.Pid
	c.a.procs.add(c.pid)
	b := &bootstrap{
		Name: c.id.Name, UID: c.id.UID, Parent: c.a.id, Addr: c.a.addr.String(),
		Listen: c.a.childListenAddr(c.cfg).String(),
		Token:  c.a.token, LogLevel: levelName(c.cfg.logLevel),
		BusyPoll: c.cfg.vars.BusyPoll,
	}
	// The record is far below a pipe's buffer: this never blocks. If the
	// child is already dead it fails, and the reaper reports the death.
	_ = writeBootstrap(w, b)
	c.a.wg.Add(1)
	go c.reap(cmd, w)
	return nil
}

// reap waits for the process, closes the bootstrap pipe and reports the
// exit to the runner.
func (c *child) reap(cmd *exec.Cmd, w *os.File) {
	defer c.a.wg.Done()
	err := cmd.Wait()
	c.a.procs.remove(c.pid)
	w.Close()
	c.out.flush()
	status, ok := "", false
	if st := cmd.ProcessState; st != nil {
		status, ok = st.String(), st.Success()
	} else if err != nil {
		status = err.Error()
	}
	_ = c.a.tok.RunSyncSoon(func() { c.markExited(status, ok) })
}

// connected records the child's channel. Runner job.
func (c *child) connected(p *peer) {
	c.peer = p
	p.child = c
	c.wake.Set()
}

// markExited records the child's exit. Runner job.
func (c *child) markExited(status string, ok bool) {
	c.exited, c.status, c.success = true, status, ok
	delete(c.a.pending, c.id.UID)

	c.a.logger.Log(context.Background(), LevelRuntime, "actor: sub-actor exited", "actor", c.a.id.String(), "child", c.id.String(), "pid", c.pid, "status", status)
	c.wake.Set()
	c.readyEv.Set()
	c.exitEv.Set()
}

// runtimeVars returns the variables relayed to a child.
func (c *config) runtimeVars() msg.RuntimeVars {
	v := c.vars
	v.LogLevel = levelName(c.logLevel)
	return v
}

// childListenAddr returns where a child started with cfg listens: the
// address StartActor was given, else this actor's host on an ephemeral
// port (a tree on a routable address stays reachable across machines),
// else loopback.
func (a *Actor) childListenAddr(cfg config) ipc.Addr {
	if !cfg.childListen.IsZero() {
		return cfg.childListen
	}
	if a.addr.Network == "tcp" {
		if host, _, err := net.SplitHostPort(a.addr.Address); err == nil {
			return ipc.TCP(net.JoinHostPort(host, "0"))
		}
	}
	return ipc.DefaultAddr
}

// registryAddrs returns the registry addresses children inherit.
func (a *Actor) registryAddrs() []string {
	if a.reg != nil && !a.addr.IsZero() {
		return []string{a.addr.String()}
	}
	return a.regAddrs
}
