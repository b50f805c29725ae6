package debug

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/hitchrt/hitch/actor/sc"
)

// Pause opens the REPL in the calling task and returns when the person at
// it continues (nil) or quits (an error matching ErrQuit). ctx must belong
// to a running sc task. The task parks, first until the stdio lock is its
// own (in arrival order with every other pause of the tree), then while
// the REPL reads the terminal on a goroutine of its own: the runner keeps
// running the other tasks. Each call opens a REPL of its own; a task that
// pauses in a loop re-acquires the lock each time.
//
// Cancellation: in a cancelled scope Pause fails at once with an error
// matching sc.ErrCancelled (saying to use Shield) unless Shield is given.
// A cancellation that comes while the REPL is open does not close it; Pause
// returns once the REPL ends.
func Pause(ctx context.Context, opts ...Option) error {
	cfg := newConfig(callPause, opts)
	if cfg.bad != nil {
		return cfg.bad
	}
	return pauseTask(ctx, &cfg, "paused", callers(3), nil)
}

// PostMortem shows err (the panic stack too, when err is or wraps an
// *sc.PanicError) and opens the REPL on it, as Pause does: same lock, same
// parking, same options; bt shows the panic's stack when there is one. It
// returns nil once the person continues and an error matching ErrQuit if
// they quit. A nil err opens nothing and returns nil.
func PostMortem(ctx context.Context, err error, opts ...Option) error {
	cfg := newConfig(callPostMortem, opts)
	if cfg.bad != nil {
		return cfg.bad
	}
	if err == nil {
		return nil
	}
	return pauseTask(ctx, &cfg, "crashed", callers(3), err)
}

// cancelledError is an unshielded Pause in a cancelled scope.
type cancelledError struct{ err error }

func (e *cancelledError) Error() string {
	return "debug: Pause called from an already cancelled scope; use debug.Pause(ctx, debug.Shield()) to open the REPL anyway: " + e.err.Error()
}

func (e *cancelledError) Unwrap() error { return e.err }

func pauseTask(ctx context.Context, cfg *config, why string, frames []runtime.Frame, crash error) error {
	return pauseTaskAs(ctx, cfg, why, frames, crash, "")
}

// pauseTaskAs is pauseTask naming the paused code task (the task's own
// name when empty).
func pauseTaskAs(ctx context.Context, cfg *config, why string, frames []runtime.Frame, crash error, task string) error {
	t := sc.CurrentTask(ctx)
	if t == nil {
		return fmt.Errorf("debug: Pause: %w", sc.ErrNotInTask)
	}
	if task == "" {
		task = t.Name()
	}
	info := infoOf(ctx, t)
	who := Holder{Actor: info.actor, UID: info.uid, Task: task, Why: why}
	body := func(ctx context.Context) error {
		if err := sc.Checkpoint(ctx); err != nil {
			return &cancelledError{err}
		}
		drop := addPending(who)
		release, err := info.lock.Acquire(ctx, who)
		drop()
		if errors.Is(err, sc.ErrCancelled) {
			return &cancelledError{err}
		} else if err != nil {
			return fmt.Errorf("debug: taking the stdio lock: %w", err)
		}
		s := newSession(cfg, who, frames, crash, info)
		s.tree = func() (tree *sc.TreeNode, err error) {
			err = info.tok.RunSync(func() error { tree = info.runner.Snapshot(); return nil })
			return tree, err
		}
		err = sc.ToGoroutine(ctx, func(context.Context) error { return s.runExclusive() }, false)
		if rerr := release(ctx, errors.Is(err, ErrQuit)); rerr != nil {
			err = errors.Join(err, fmt.Errorf("debug: releasing the stdio lock: %w", rerr))
		}
		return err
	}
	if !cfg.shield {
		return body(ctx)
	}
	return sc.OpenCancelScope(ctx, func(ctx context.Context, cs *sc.CancelScope) error {
		cs.SetShield(true)
		return body(ctx)
	})
}

// PauseFromSync opens the REPL from any goroutine, blocking it until the
// person continues (nil) or quits (an error matching ErrQuit). Where it
// runs decides how the lock is taken:
//
//   - From a plain goroutine, with a runtime attached: a lock task on the
//     runtime's runner takes the lock on the goroutine's behalf, in arrival
//     order with every other pause, and releases it once the goroutine's
//     REPL has ended. The runner keeps running meanwhile.
//   - From inside a task step of the attached runner (code a task calls
//     synchronously, or host code between ticks): the REPL runs in place,
//     holding the lock on the task's behalf, and the runner waits for it.
//     A step cannot park, so when another REPL holds the lock this fails at
//     once with ErrBusy.
//   - With no runtime attached: the REPLs of the process take turns on a
//     plain mutex.
//
// Shield is not honoured (a plain goroutine has no cancel scope). It fails
// with an error matching sc.ErrRunFinished when the attached run has
// finished.
func PauseFromSync(opts ...Option) error {
	cfg := newConfig(callSync, opts)
	if cfg.bad != nil {
		return cfg.bad
	}
	return pauseSync(&cfg, "paused", callers(3), nil)
}

// detachedMu orders the REPLs of a process that has no runtime attached.
var detachedMu sync.Mutex

func pauseSync(cfg *config, why string, frames []runtime.Frame, crash error) error {
	info := attached.Load()
	if info == nil {
		detachedMu.Lock()
		defer detachedMu.Unlock()
		s := newSession(cfg, Holder{Actor: "root", Goroutine: true, Why: why}, frames, crash, nil)
		return s.runExclusive()
	}
	who := Holder{Actor: info.actor, UID: info.uid, Goroutine: true, Why: why}
	held := make(chan error, 1)
	ended := new(sc.Event)
	var quit bool // written before ended is set, read after
	err := info.tok.RunSync(func() error {
		return info.runner.StartSystemTask("debug lock", func(ctx context.Context) error {
			return lockOnBehalf(ctx, info, who, held, ended, &quit)
		})
	})
	if errors.Is(err, sc.ErrInsideRunner) {
		return pauseInStep(cfg, info, why, frames, crash)
	}
	if err != nil {
		return fmt.Errorf("debug: PauseFromSync: %w", err)
	}
	if err := <-held; err != nil {
		return fmt.Errorf("debug: PauseFromSync: taking the stdio lock: %w", err)
	}
	s := newSession(cfg, who, frames, crash, info)
	s.tree = func() (tree *sc.TreeNode, err error) {
		err = info.tok.RunSync(func() error { tree = info.runner.Snapshot(); return nil })
		return tree, err
	}
	err = s.runExclusive()
	quit = errors.Is(err, ErrQuit)
	info.tok.RunSyncSoon(ended.Set) // ErrRunFinished: the lock task is gone already
	return err
}

// lockOnBehalf is the lock task of a plain goroutine's pause: it takes the
// lock (the sc.Lock's owner must be a task), reports on held, waits for the
// goroutine's REPL to end and releases the lock itself. The wait is
// shielded: the lock must outlive the REPL even when the run is cancelled.
func lockOnBehalf(ctx context.Context, info *runtimeInfo, who Holder, held chan<- error, ended *sc.Event, quit *bool) error {
	drop := addPending(who)
	release, err := info.lock.Acquire(ctx, who)
	drop()
	held <- err
	if err != nil {
		return nil // the goroutine reports it
	}
	sc.OpenCancelScope(ctx, func(ctx context.Context, cs *sc.CancelScope) error {
		cs.SetShield(true)
		return ended.Wait(ctx)
	})
	// The goroutine has its answer already; a lock that fails to go back
	// (a lost connection to the root) is gone with that connection. A
	// system task's error would fail the whole run.
	_ = release(ctx, *quit)
	return nil
}

// pauseInStep runs the REPL in place, inside a task step (or the driving
// goroutine between ticks) of the attached runner: nothing else of the
// runner runs meanwhile, so a free lock stays free until the REPL ends.
func pauseInStep(cfg *config, info *runtimeInfo, why string, frames []runtime.Frame, crash error) error {
	if info.lock.Busy() {
		return ErrBusy
	}
	tree := info.runner.Snapshot()
	who := Holder{Actor: info.actor, Task: runningTask(tree), Why: why}
	leave, ok := enterREPL(who)
	if !ok {
		return ErrBusy
	}
	defer leave()
	s := newSession(cfg, who, frames, crash, info)
	s.tree = func() (*sc.TreeNode, error) { return info.runner.Snapshot(), nil }
	return s.run()
}

// runningTask names the task whose step is running, "host" between ticks.
func runningTask(tree *sc.TreeNode) string {
	name := "host"
	tree.Walk(func(n *sc.TreeNode) {
		if n.Kind == "task" && n.State == "running" {
			name = n.Name
		}
	})
	return name
}

// runExclusive runs the session once no other REPL of the process is open.
// The lock already orders the REPLs of one runner; this waits out a REPL of
// another runner of the same process, which has a lock of its own.
func (s *session) runExclusive() error {
	for {
		leave, ok := enterREPL(s.who)
		if ok {
			defer leave()
			return s.run()
		}
		if rel := CurrentStatus().Released; rel != nil {
			<-rel
		}
	}
}

func newSession(cfg *config, who Holder, frames []runtime.Frame, crash error, info *runtimeInfo) *session {
	s := &session{who: who, out: &syncWriter{w: cfg.out}, in: cfg.in, vars: cfg.vars, frames: frames, crash: crash}
	if info != nil {
		s.actors = info.actors
	}
	return s
}

// callers returns the stack from skip frames up (as runtime.Callers counts
// them), innermost first.
func callers(skip int) []runtime.Frame {
	pcs := make([]uintptr, 64)
	pcs = pcs[:runtime.Callers(skip, pcs)]
	var out []runtime.Frame
	fs := runtime.CallersFrames(pcs)
	for {
		f, more := fs.Next()
		if f.Function != "runtime.goexit" {
			out = append(out, f)
		}
		if !more {
			return out
		}
	}
}
