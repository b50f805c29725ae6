package sc

import (
	"errors"

	"github.com/hitchrt/hitch/internal/gid"
)

// maxInlineTicks bounds how many ticks one RunSyncNow runs on its caller's
// goroutine: tasks that keep each other runnable go back to Run's goroutine
// after that, so the caller is never held for long.
const maxInlineTicks = 16

// WithInlineDrive lets Token.RunSyncNow drive the run on its caller's
// goroutine while Run's goroutine waits with nothing to do. A job handed
// to an idle runner then runs, with the task steps it makes runnable, at
// once on the goroutine that has it (a socket reader, say), instead of
// waking Run's goroutine through the Go scheduler; that hand-off is most
// of a message round trip between two runners. Task steps then run on
// several goroutines in turn, never two at once, exactly as before
// otherwise.
//
// Only Run honours it: NewRunner with it makes a runner that finishes at
// its first Tick with an error (a driver that calls Tick itself keeps every
// job queued). With the option, Run drives the run from a goroutine of
// its own while the calling goroutine waits for it: the runtime switches
// a task's coroutine only under the thread-lock state it was made in, and
// RunSyncNow's callers are plain goroutines, so the driver must not be
// locked to its OS thread even when Run's caller is
// (runtime.LockOSThread). Task steps then never run on the caller's
// thread.
func WithInlineDrive() Option {
	return optionFunc(func(cfg *config) { cfg.inline = true })
}

// runInlineUnlocked runs runInline on a fresh goroutine, which is never
// locked to its OS thread (see WithInlineDrive), and raises a panic from
// it on the caller's goroutine, as Run without the option would.
func (r *Runner) runInlineUnlocked() error {
	var (
		err      error
		panicked bool
		pv       any
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		panicked = true
		defer func() {
			if panicked {
				pv = recover()
			}
		}()
		err = r.runInline()
		panicked = false
	}()
	<-done
	if panicked {
		panic(pv)
	}
	return err
}

// runInline is Run's loop under WithInlineDrive: it holds the drive role
// (driveMu) except while it waits, and records what it waits for, so that
// RunSyncNow can tick meanwhile and wake it only when that changed.
func (r *Runner) runInline() error {
	r.driveMu.Lock()
	defer r.driveMu.Unlock()
	for {
		if v := r.inlinePanic; v != nil {
			r.inlinePanic = nil
			panic(v) // a runtime fault in a tick on another goroutine: raise it here
		}
		res := r.Tick()
		if res.Finished {
			return r.Outcome()
		}
		if res.Runnable {
			continue
		}
		r.parked, r.parkedUntil = true, res.Deadline
		r.driveMu.Unlock()
		r.Wait(res.Deadline)
		r.driveMu.Lock()
		r.parked = false
	}
}

// RunSyncNow runs fn inside the runner like RunSyncSoon, and when it can,
// at once on the calling goroutine: when the run was started by Run with
// WithInlineDrive and Run's goroutine waits idle, RunSyncNow takes over
// the driving, runs fn and then the task steps it (and timers due) made
// runnable, up to a bound of ticks, and returns; Run's goroutine is woken
// only when it must look again (something is still runnable, an earlier
// deadline, the run finished). Otherwise (the runner is busy or driven by
// another goroutine, RunSyncSoon jobs are still queued, the caller is a
// task step or the driving goroutine, the run is a guest run or lacks
// the option) it queues fn exactly as RunSyncSoon does. Either way fn
// runs after the RunSyncSoon functions this goroutine queued before, and
// it blocks the caller at most for the steps it runs itself. A panic in
// fn fails the run as with RunSyncSoon. It returns ErrRunFinished,
// without running fn, once the run has ended. Any goroutine.
func (tk *Token) RunSyncNow(fn func()) error {
	if fn == nil {
		return errors.New("sc: Token.RunSyncNow: nil function")
	}
	if tk.r.pushNow(job{soon: fn}) != nil {
		return ErrRunFinished
	}
	return nil
}

// pushNow runs j at once on the calling goroutine when it can take the
// drive role (RunSyncNow), else queues it as push does.
func (r *Runner) pushNow(j job) error {
	if !r.tryDrive() {
		return r.push(j)
	}
	r.nowJob, r.hasNow = j, true
	r.driveInline()
	return nil
}

// tryDrive takes the drive role for RunSyncNow when the runner waits idle
// in Run; on true the caller holds driveMu.
func (r *Runner) tryDrive() bool {
	if !r.inline || r.current.Load() != nil || r.jobsPending.Load() {
		return false
	}
	if !r.driveMu.TryLock() {
		return false // a tick runs (maybe the caller's own), or Run is about to
	}
	if !r.parked || r.finished || r.jobsPending.Load() {
		r.driveMu.Unlock()
		return false
	}
	return true
}

// driveInline ticks on the calling goroutine, which holds the drive role,
// then gives the role back and wakes Run's goroutine if it must look.
func (r *Runner) driveInline() {
	driver := r.driverG.Load()
	r.driverG.Store(gid.Current()) // token calls from here now count as the driver's
	r.inlining.Store(true)
	wake := true
	defer func() {
		if v := recover(); v != nil {
			r.inlinePanic = v // Run raises it on its own goroutine
		}
		if !r.finished {
			r.driverG.Store(driver)
		}
		r.inlining.Store(false)
		r.driveMu.Unlock()
		if wake || r.jobsPending.Load() {
			r.wq.Wake()
		}
	}()
	res := r.Tick()
	for n := 1; !res.Finished && (res.Runnable || r.jobsPending.Load()) && n < maxInlineTicks; n++ {
		res = r.Tick()
	}
	// Run's Wait was planned from the state before these ticks: it must
	// look again when the run ended, work is left, a deadline moved
	// earlier, or its idle periods (WaitAllTasksBlocked cushions, a mock
	// clock's autojump) must start over after this activity.
	wake = res.Finished || res.Runnable || r.mock != nil || r.idleCushion.Load() >= 0 ||
		!res.Deadline.IsZero() && (r.parkedUntil.IsZero() || res.Deadline.Before(r.parkedUntil))
}
