package sc

import (
	"context"
	"errors"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hitchrt/hitch/internal/coro"
	"github.com/hitchrt/hitch/internal/gid"
	"github.com/hitchrt/hitch/internal/timerheap"
	"github.com/hitchrt/hitch/internal/wakeq"
)

// maxWait clamps how long Wait sleeps (trio's _MAX_TIMEOUT).
const maxWait = 24 * time.Hour

// job is work handed to the runner from another goroutine: a RunSyncSoon
// function (soon), or else work that knows how to run and how to fail.
// Both are values the caller already has (its func value, its call record,
// its inbox), so queueing a job makes no closure.
type job struct {
	soon func()
	work jobWork
}

// jobWork is a job other than a RunSyncSoon function.
type jobWork interface {
	// run executes inside a tick, between task steps.
	run(r *Runner)
	// fail is called instead when the run ended before the job ran.
	fail(err error)
}

// Runner is one run of the scheduler: the main task, everything it starts,
// the run queue, the deadline heap and the cross-goroutine wake-up queue.
// It has one scheduler and two drivers: Run drives it on the calling
// goroutine; a guest driver (package bridge) calls Tick from host callbacks
// and Wait on a separate waiter goroutine.
//
//	native (Run):      Tick ─ Wait ─ Tick ─ Wait ─ ...   one goroutine
//	guest (bridge):    host: Tick ......... Tick .......
//	                   waiter:      Wait ─┘       Wait ─┘
//
// Invariant: at most one task step of a runner runs at any moment, and only
// inside Tick, so runner-owned state needs no locks. Runner-owned state may
// also be touched by host code on the driving goroutine between ticks; such
// changes wake a waiting Wait themselves (Event.Set, CancelScope.Cancel,
// SetDeadline, channel operations, lock release). Plain goroutines must go
// through the Token.
type Runner struct {
	clock Clock
	mock  *MockClock // clock, when it is a *MockClock
	main  *Task

	// Runner-owned (driving goroutine, inside or between ticks).
	rootScope   *CancelScope // main's root scope
	sysScope    *CancelScope // root scope of tasks started by Token.Run
	sys         *Nursery     // nursery of tasks started by Token.Run
	runq        []*Task      // runnable tasks, in wake order
	spare       []*Task      // the previous batch, reused
	timers      timerheap.Heap[expirer]
	jobs        []job // the previous job batch, reused
	inTick      bool
	intrPending bool // an interrupt waits for main's next checkpoint
	intrAfter   bool // an interrupt arrived after main finished
	mainDone    bool
	mainErr     error
	hostErr     error // panics of RunSyncSoon functions
	finished    bool
	outcome     error
	nextID      uint64
	labels      map[string]context.Context
	coros       coro.Pool    // coroutines of finished tasks, for the next ones
	freeTimers  []*timer     // sleep timers to lend (Task.sleep)
	probeWhere  [8]uintptr   // where a probed task is suspended (Task.probe)
	idle        []idleWaiter // tasks in WaitAllTasksBlocked

	current atomic.Pointer[Task] // task whose step runs now; read anywhere
	driverG atomic.Uintptr       // goroutine that calls Tick (internal/gid), from the first Tick
	onHost  func() bool          // WithHostCode: host code off the driving goroutine; set once

	// Idle waits (WaitAllTasksBlocked): idleCushion is the shortest cushion
	// of the tasks waiting, in nanoseconds (-1: none), stored by Tick for
	// Wait; idlePrimed is set by Wait when that cushion passed with nothing
	// to do, and taken by the next Tick.
	idleCushion atomic.Int64
	idlePrimed  atomic.Bool
	jobsPending atomic.Bool // set after each push to wq: Tick swaps only then
	intrReq     atomic.Bool // Interrupt called; taken by the next tick
	wq          wakeq.Queue[job]
	token       Token
	values      runValues // see Key; any goroutine

	waitTimer *time.Timer // owned by whoever calls Wait

	// Inline drive (WithInlineDrive, Run only): the drive role is driveMu;
	// Run holds it except while it waits, and Token.RunSyncNow takes it to
	// tick on its own goroutine while Run waits.
	inline      bool
	driveMu     sync.Mutex
	parked      bool        // Run waits and does not hold driveMu; guarded by driveMu
	parkedUntil time.Time   // the deadline Run waits for; guarded by driveMu
	nowJob      job         // RunSyncNow's job for the inline tick; guarded by driveMu
	hasNow      bool        // nowJob is set; guarded by driveMu
	inlinePanic any         // a panic out of an inline tick, for Run to raise; guarded by driveMu
	inlining    atomic.Bool // RunSyncNow drives: push leaves the wake-up to it
}

// NewRunner prepares a run of main; no task step runs until the first Tick.
// The Token works at once. A nil main makes a runner that finishes at its
// first Tick with an error.
func NewRunner(main func(ctx context.Context) error, opts ...Option) *Runner {
	cfg := newConfig(opts)
	if cfg.inline {
		r := newRunner(nil, cfg)
		r.outcome = errors.New("sc: NewRunner: option WithInlineDrive is for Run only (a driver that calls Tick itself keeps every job queued)")
		return r
	}
	return newRunner(main, cfg)
}

func newConfig(opts []Option) config {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	return cfg
}

func newRunner(main func(ctx context.Context) error, cfg config) *Runner {
	r := &Runner{clock: cfg.clock, onHost: cfg.onHost, inline: cfg.inline}
	r.token.r = r
	r.idleCushion.Store(-1)
	for _, v := range cfg.values {
		r.setValue(v.key, v.val)
	}
	if m, ok := cfg.clock.(*MockClock); ok {
		r.mock = m
		m.register(r)
	}
	r.rootScope = r.newRootScope("root")
	r.sysScope = r.newRootScope("system")
	r.sys = &Nursery{r: r, scope: r.sysScope, ctx: context.Background()}
	r.sysScope.nursery = r.sys
	if main == nil {
		r.finish(errors.New("sc: NewRunner: nil main function"))
		return r
	}
	t := r.newTask(cfg.mainName, main, context.Background(), r.rootScope)
	t.isMain = true
	r.rootScope.owner = t
	r.main = t
	r.inTick = true // no driver waits yet: the first Tick runs main anyway
	r.reschedule(t, nil)
	r.inTick = false
	return r
}

func (r *Runner) newRootScope(name string) *CancelScope {
	s := &CancelScope{r: r, name: name, entered: true, cidx: -1}
	s.tm.Value = s
	return s
}

// newTask makes a task that runs fn in scope base, with a ctx whose
// values come from parent.
func (r *Runner) newTask(name string, fn func(ctx context.Context) error, parent context.Context, base *CancelScope) *Task {
	r.nextID++
	t := &Task{r: r, name: name, id: r.nextID, fn: fn, base: base}
	t.ctx.parent, t.ctx.task = parent, t
	t.ctx.scope.Store(base)
	t.setScope(base)
	return t
}

// TickResult says what a driver should do after a Tick.
type TickResult struct {
	// Finished: the run is over; Outcome holds its result.
	Finished bool
	// Runnable: tasks are runnable now; tick again without waiting.
	Runnable bool
	// Deadline is the earliest pending deadline (zero: none); when nothing
	// is runnable the driver waits until it, or until a Wake.
	Deadline time.Time
}

// Tick runs one scheduler pass: it takes cross-goroutine wake-ups (token
// calls, offload completions, interrupts), expires deadlines, then runs one
// batch: the tasks runnable at the start of the batch, in the order they
// became runnable. Tasks woken during the batch run in the next tick, so a
// tick is bounded and a host loop stays responsive. Tick is called only by
// the driving goroutine, never from a task, and ticks never overlap; the
// goroutine of the first Tick is taken to be the driver from then on (a
// blocking Token call from it fails with ErrInsideRunner).
func (r *Runner) Tick() TickResult {
	if r.finished {
		return TickResult{Finished: true}
	}
	if r.driverG.Load() == 0 {
		// The first Tick names the driving goroutine, so that blocking
		// token calls from it fail instead of hanging.
		r.driverG.Store(gid.Current())
	}
	r.inTick = true
	if r.intrReq.Load() && r.intrReq.Swap(false) {
		r.deliverInterrupt()
	}
	if r.jobsPending.Load() {
		r.jobsPending.Store(false) // before Swap: a later push sets it again
		jobs := r.wq.Swap(r.jobs)
		for i := range jobs {
			r.runJob(&jobs[i])
			jobs[i] = job{}
		}
		r.jobs = jobs[:0]
	}
	if r.hasNow {
		// RunSyncNow's job, after the jobs queued before it (none from
		// its goroutine: it queues instead while those are pending).
		j := r.nowJob
		r.nowJob, r.hasNow = job{}, false
		r.runJob(&j)
	}
	if r.timers.Len() > 0 {
		r.expire(r.clock.Now())
	}
	if r.idlePrimed.Load() && r.idlePrimed.Swap(false) && len(r.runq) == 0 {
		r.wakeIdle()
	}
	// Scheduling rule: the batch is the run queue as it stands now; tasks
	// rescheduled while it runs land in the fresh queue for the next tick.
	batch := r.runq
	r.runq = r.spare[:0]
	for i, t := range batch {
		batch[i] = nil
		r.step(t)
	}
	r.spare = batch[:0]
	r.inTick = false
	if r.mainDone && r.sys.tasks.Len() == 0 {
		err := r.mainErr
		if r.hostErr != nil {
			err = errors.Join(err, r.hostErr)
		}
		r.finish(err)
		return TickResult{Finished: true}
	}
	if len(r.idle) > 0 || r.idleCushion.Load() >= 0 {
		r.idleCushion.Store(r.shortestCushion())
	}
	res := TickResult{Runnable: len(r.runq) > 0}
	if next := r.timers.Peek(); next != nil {
		res.Deadline = next.When()
	}
	return res
}

func (r *Runner) runJob(j *job) {
	if j.soon != nil {
		r.callSoon(j.soon)
	} else {
		j.work.run(r)
	}
}

func (r *Runner) step(t *Task) {
	if t.co == nil {
		// Taken at the first step, on the driving goroutine: a coroutine
		// must be switched on the OS-thread lock state it was made in, and
		// a guest's host may run locked to its thread. The pool makes a
		// coroutine only when none of the run's finished tasks left one.
		t.co = r.coros.Get((*taskBody)(t))
	}
	t.state = taskRunning
	r.current.Store(t)
	done := t.co.Resume()
	r.current.Store(nil)
	if t.wait == waitGoroutine {
		t.waitData.(*offload).launch() // only once the step is over
	}
	if done {
		r.taskFinished(t)
	}
}

func (r *Runner) taskFinished(t *Task) {
	err := t.err
	if t.scope != t.base {
		err = joinErr(err, t.unwindTo(t.base))
	}
	t.base.tasks.Remove(t, taskScopePos)
	t.state = taskDone
	r.coros.Put(t.co)
	t.co = nil
	t.fn = nil
	if t.isMain {
		if r.rootScope.cancelCalled {
			err, _ = filterCancelled(err)
		}
		r.mainDone = true
		r.mainErr = err
		r.sysScope.Cancel()
		return
	}
	if n := t.base.nursery; n != nil {
		n.childDone(t, err)
	}
}

func (r *Runner) finish(err error) {
	r.finished = true
	r.driverG.Store(0) // nothing drives it any more: token calls now say ErrRunFinished
	if r.intrReq.Swap(false) {
		r.intrAfter = true
	}
	r.outcome = err
	if r.intrAfter {
		if err == nil {
			r.outcome = ErrInterrupted
		} else {
			r.outcome = &InterruptedError{Err: err}
		}
	}
	for _, j := range r.wq.Close() {
		if j.work != nil {
			j.work.fail(ErrRunFinished)
		}
	}
	if r.mock != nil {
		r.mock.unregister(r)
	}
	r.coros.Close()
}

// hostFailed records a panic of code queued by RunSyncSoon and cancels
// the run, as trio treats an exception in run_sync_soon code.
func (r *Runner) hostFailed(err error) {
	r.hostErr = errors.Join(r.hostErr, err)
	r.rootScope.Cancel()
}

func (r *Runner) expire(now time.Time) {
	for e := r.timers.PopDue(now); e != nil; e = r.timers.PopDue(now) {
		e.Value.expire()
	}
}

// reschedule makes a parked task runnable, to resume with err.
func (r *Runner) reschedule(t *Task, err error) {
	t.wait = waitNone
	t.waitData = nil
	t.err = err
	t.state = taskRunnable
	r.runq = append(r.runq, t)
	r.wakeIfOutside()
}

// wakeIfOutside wakes a waiting driver when runner state changed outside a
// tick (host code between ticks); inside a tick the driver looks anyway.
func (r *Runner) wakeIfOutside() {
	if !r.inTick {
		r.wq.Wake()
	}
}

func (r *Runner) deliverInterrupt() {
	if r.mainDone {
		r.intrAfter = true
		return
	}
	r.intrPending = true
	if r.main.deliver(ErrInterrupted) {
		r.intrPending = false
	}
}

// labelCtx returns the pprof label context for a task name (cached).
func (r *Runner) labelCtx(name string) context.Context {
	if c, ok := r.labels[name]; ok {
		return c
	}
	c := pprof.WithLabels(context.Background(), pprof.Labels("sc.task", name))
	if r.labels == nil {
		r.labels = make(map[string]context.Context)
	}
	if len(r.labels) < 4096 {
		r.labels[name] = c
	}
	return c
}

// Wait blocks until Wake is called or deadline passes (zero: no deadline),
// never longer than 24 hours. It also ends the idle periods the runner
// asked for: when a task waits in WaitAllTasksBlocked, Wait returns after
// its cushion of real time, and with a MockClock in autojump mode it moves
// the clock to the deadline once the autojump threshold of real time has
// passed (at once for threshold 0), whichever of the two is shorter (a
// tie goes to the waiting task). Wait touches no runner-owned state, so a
// guest driver calls it on a waiter goroutine while the host runs other
// callbacks; only one goroutine at a time may be in Wait.
func (r *Runner) Wait(deadline time.Time) {
	woken := r.wq.Woken()
	select {
	case <-woken:
		return
	default:
	}
	// What ends the wait if nothing wakes it first (trio's run loop picks
	// its timeout the same way).
	const (
		endDeadline = iota // a deadline on the wall clock (or none)
		endIdle            // a WaitAllTasksBlocked cushion
		endJump            // the mock clock's autojump threshold
	)
	limit, end := maxWait, endDeadline
	if r.mock == nil && !deadline.IsZero() {
		d := deadline.Sub(r.clock.Now())
		if d <= 0 {
			return
		}
		limit = min(d, maxWait)
	}
	if c := r.idleCushion.Load(); c >= 0 && time.Duration(c) < limit {
		limit, end = time.Duration(c), endIdle
	}
	if r.mock != nil && !deadline.IsZero() {
		// Virtual deadlines pass only through Advance (which wakes) or a jump.
		if th := r.mock.AutojumpThreshold(); th >= 0 && th < limit {
			limit, end = th, endJump
		}
	}
	if limit > 0 {
		if r.waitTimer == nil {
			r.waitTimer = time.NewTimer(limit)
		} else {
			r.waitTimer.Reset(limit)
		}
		select {
		case <-woken:
			r.waitTimer.Stop()
			return
		case <-r.waitTimer.C:
		}
	}
	switch end {
	case endIdle:
		r.idlePrimed.Store(true)
	case endJump:
		r.mock.jumpTo(deadline)
	}
}

// push hands j to the next tick from any goroutine; it fails once the run
// has finished.
//
// Order matters: the job is queued, then jobsPending is set, then the
// driver is woken, so a Tick the wake-up starts sees the flag. (Setting
// the flag before queueing would be worse: a Tick could clear it and find
// the queue still empty.) While RunSyncNow drives, the wake-up is left to
// it: it ticks until no job is pending, and after giving the role back it
// wakes the driver if one came meanwhile (inlining is cleared before that
// check and read after jobsPending is set here, so one of the two wakes).
func (r *Runner) push(j job) error {
	if err := r.wq.PushQuiet(j); err != nil {
		return err
	}
	r.jobsPending.Store(true)
	if !r.inlining.Load() {
		r.wq.Wake()
	}
	return nil
}

// Wake makes a current or the next Wait return at once. It is safe from any
// goroutine, never blocks, and repeated calls before Wait looks fold into
// one.
func (r *Runner) Wake() { r.wq.Wake() }

// Outcome returns the run's result: main's error (nil on success, with the
// root scope's own cancellation absorbed), or an interrupt. Valid once Tick
// reported Finished.
func (r *Runner) Outcome() error { return r.outcome }

// Token returns the run's token, through which plain goroutines run code
// inside the runner. It works right after NewRunner.
func (r *Runner) Token() *Token { return &r.token }

// Cancel cancels main's root scope: every task of the run sees ErrCancelled
// at its next checkpoint, and main's own ErrCancelled is absorbed (the
// outcome is nil unless something else failed). Call it from a task or from
// the driving goroutine between ticks (it wakes a waiting driver); plain
// goroutines use Token().RunSync(func() error { r.Cancel(); return nil }).
func (r *Runner) Cancel() { r.rootScope.Cancel() }

// Interrupt asks the run to stop like trio's KeyboardInterrupt: the main
// task gets ErrInterrupted at its next checkpoint (or at once if parked;
// in a nursery wait the nursery records it and cancels its children). If
// main already finished, the outcome becomes ErrInterrupted with main's
// error chained (an *InterruptedError). Safe from any goroutine.
func (r *Runner) Interrupt() {
	r.intrReq.Store(true)
	r.wq.Wake()
}

// InTaskStep reports whether a task step of this runner is running at this
// moment. It is safe from any goroutine, but only code on the driving
// goroutine gets a stable answer: there, true means "called from inside a
// task", false means "host code between ticks or job code inside a tick".
// From another goroutine it only says that some step was running when
// asked.
func (r *Runner) InTaskStep() bool { return r.current.Load() != nil }

// Run runs main to completion on the calling goroutine (trio.run) and
// returns its outcome: NewRunner, then Tick, waiting whenever nothing is
// runnable, until the run finishes.
func Run(main func(ctx context.Context) error, opts ...Option) error {
	r := newRunner(main, newConfig(opts))
	if r.inline {
		return r.runInlineUnlocked()
	}
	for {
		res := r.Tick()
		if res.Finished {
			return r.Outcome()
		}
		if !res.Runnable {
			r.Wait(res.Deadline)
		}
	}
}

// Now returns the time on the runner's clock. Safe from any goroutine.
func (r *Runner) Now() time.Time { return r.clock.Now() }
