package loop

import (
	"errors"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hitchrt/hitch/internal/gid"
	"github.com/hitchrt/hitch/internal/panics"
	"github.com/hitchrt/hitch/internal/timerheap"
	"github.com/hitchrt/hitch/internal/wakeq"
)

// Loop states.
const (
	stateIdle int32 = iota
	stateRunning
	stateClosed
)

// Loop is an event loop. Callbacks and task steps run one at a time on the
// goroutine that drives it (RunForever, RunUntilComplete or Run), so state
// touched only by them needs no locks. A zero Loop is not usable; New makes
// one. A Loop must not be copied.
//
// Methods say who may call them: "loop only" means from a callback or task
// step of this loop, or from the goroutine that owns the loop while it is
// not running (setup before RunForever); "any goroutine" means exactly that.
type Loop struct {
	cfg config
	log *slog.Logger

	q    wakeq.Queue[func()] // cross-goroutine callbacks
	qbuf []func()            // loop-owned spare for q.Swap

	// Loop-owned: only the driving goroutine touches these.
	ready  []func() // callbacks for the next batch, FIFO
	spare  []func() // emptied previous batch, reused
	timers timerheap.Heap[*Timer]
	wtimer *time.Timer
	closed bool

	current *Task          // task whose step is running, or nil
	tasks   map[*Task]bool // unfinished tasks
	unseen  map[*Task]bool // finished with an error nobody retrieved yet
	nextID  int

	state   atomic.Int32 // stateIdle, stateRunning, stateClosed
	inStep  atomic.Bool  // executing a batch of callbacks (debug heuristic)
	stopReq atomic.Bool
	loopGID atomic.Int64  // debug: the driving goroutine
	taskGID atomic.Int64  // debug: the goroutine of the running task step, or 0
	done    chan struct{} // closed by Close
	onClose closeHooks

	driverG atomic.Uintptr      // the goroutine driving the loop (internal/gid); see OnLoop
	stepG   atomic.Uintptr      // the coroutine of the task step running now, or 0; see OnLoop
	guest   atomic.Pointer[any] // see CompareAndSwapGuest

	sigMu sync.Mutex
	sigs  map[os.Signal]*sigWatch // guarded by sigMu
}

// New returns an idle loop. Drive it with RunForever or RunUntilComplete,
// and Close it when done; Run does all three.
func New(opts ...Option) *Loop {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	l := &Loop{
		cfg:    cfg,
		log:    cfg.logger,
		tasks:  make(map[*Task]bool),
		unseen: make(map[*Task]bool),
		done:   make(chan struct{}),
		wtimer: time.NewTimer(time.Hour),
	}
	l.wtimer.Stop()
	if l.log == nil {
		l.log = slog.Default()
	}
	return l
}

// Now returns the loop's clock: time.Now, whose monotonic reading is what
// timers compare. Any goroutine.
func (l *Loop) Now() time.Time { return time.Now() }

// CallSoon queues fn to run on the loop after the callbacks already queued
// (FIFO), in a later batch than the one running now. It does not block and
// allocates nothing in steady state. Loop only; with WithDebug a call from
// another goroutine while the loop runs panics. A nil fn is reported to the
// exception handler and ignored; so is a call after Close.
func (l *Loop) CallSoon(fn func()) {
	if l.cfg.debug {
		l.checkOnLoop("CallSoon")
	}
	if fn == nil || l.closed {
		l.dropped("CallSoon", fn)
		return
	}
	l.ready = append(l.ready, fn)
}

func (l *Loop) dropped(op string, fn func()) {
	msg := "loop: " + op + ": nil func ignored"
	if fn != nil {
		msg = "loop: " + op + ": loop closed, callback not run"
	}
	l.report(ExceptionContext{Message: msg, Err: ErrClosed})
}

// CallSoonThreadsafe queues fn to run on the loop and wakes the loop if it
// is idle. Any goroutine; it never blocks on the loop. Callbacks from one
// goroutine run in the order queued. After Close it returns ErrClosed and fn
// will not run; a nil fn is an error.
func (l *Loop) CallSoonThreadsafe(fn func()) error {
	if fn == nil {
		return errors.New("loop: CallSoonThreadsafe: nil func")
	}
	if l.q.Push(fn) != nil {
		return ErrClosed
	}
	return nil
}

// RunSyncSoonThreadsafe is CallSoonThreadsafe under the name of the Host
// interface that guest runs use (see package bridge).
func (l *Loop) RunSyncSoonThreadsafe(fn func()) error { return l.CallSoonThreadsafe(fn) }

// Stop makes the running loop return from RunForever after the current
// batch of callbacks; RunUntilComplete returns ErrStopped. Called while the
// loop is not running, the next RunForever runs one batch and returns. Any
// goroutine; repeat calls before the loop notices fold into one.
func (l *Loop) Stop() {
	l.stopReq.Store(true)
	l.q.Wake()
}

// IsRunning reports whether a goroutine is driving the loop. Any goroutine.
func (l *Loop) IsRunning() bool { return l.state.Load() == stateRunning }

// IsClosed reports whether Close was called. Any goroutine.
func (l *Loop) IsClosed() bool { return l.state.Load() == stateClosed }

// RunForever drives the loop on the calling goroutine until Stop. It returns
// ErrRunning if the loop is already running and ErrClosed after Close.
func (l *Loop) RunForever() error {
	if err := l.enter(); err != nil {
		return err
	}
	defer l.state.Store(stateIdle)
	for {
		l.runOnce()
		if l.stopReq.Swap(false) {
			return nil
		}
	}
}

// RunUntilComplete drives the loop on the calling goroutine until a (a
// *Task or *Future[T]) is done and returns its error. It returns ErrStopped
// if Stop ended the loop first, ErrRunning or ErrClosed as RunForever does.
func (l *Loop) RunUntilComplete(a Awaitable) error {
	if a == nil {
		return errors.New("loop: RunUntilComplete: nil awaitable")
	}
	c := a.awaitCore()
	if c.l != l {
		return misuse("RunUntilComplete: awaitable belongs to another loop")
	}
	if err := l.enter(); err != nil {
		return err
	}
	defer l.state.Store(stateIdle)
	if !l.runUntil(func() bool { return c.done }) {
		return ErrStopped
	}
	c.retrieved.Store(true)
	return c.err
}

// runUntil runs batches until cond holds (true) or Stop (false).
func (l *Loop) runUntil(cond func() bool) bool {
	for !cond() {
		l.runOnce()
		if l.stopReq.Swap(false) {
			return cond()
		}
	}
	return true
}

func (l *Loop) enter() error {
	if l.state.CompareAndSwap(stateIdle, stateRunning) {
		l.driverG.Store(gid.Current())
		if l.cfg.debug {
			l.loopGID.Store(goid())
		}
		return nil
	}
	if l.state.Load() == stateClosed {
		return ErrClosed
	}
	return ErrRunning
}

// runOnce is one turn: take cross-goroutine callbacks, wait if nothing is
// ready, move due timers, then run the batch. A batch runs only callbacks
// queued before it started; what they queue runs in the next batch, so a
// callback that re-queues itself cannot starve timers or other goroutines.
func (l *Loop) runOnce() {
	l.drainQueue()
	if len(l.ready) == 0 && !l.stopReq.Load() {
		l.wait()
		l.drainQueue()
	}
	l.fireTimers()
	l.runBatch()
}

func (l *Loop) runBatch() {
	batch := l.ready
	if len(batch) == 0 {
		return
	}
	l.ready = l.spare[:0]
	l.inStep.Store(true)
	for i, fn := range batch {
		batch[i] = nil
		l.call(fn)
	}
	l.inStep.Store(false)
	l.spare = batch[:0]
}

func (l *Loop) drainQueue() {
	got := l.q.Swap(l.qbuf)
	if len(got) == 0 {
		l.qbuf = got
		return
	}
	l.ready = append(l.ready, got...)
	clear(got)
	l.qbuf = got[:0]
}

// wait blocks until a cross-goroutine wake or the next timer deadline.
func (l *Loop) wait() {
	next := l.timers.Peek()
	if next == nil {
		<-l.q.Woken()
		return
	}
	d := time.Until(next.When())
	if d <= 0 {
		return
	}
	l.wtimer.Reset(d)
	select {
	case <-l.q.Woken(): // a push, a Wake or Stop
	case <-l.wtimer.C: // the earliest timer is due
	}
	l.wtimer.Stop()
}

// call runs one callback, reporting a panic instead of letting it unwind
// the loop.
func (l *Loop) call(fn func()) {
	defer func() {
		if p := recover(); p != nil {
			l.report(ExceptionContext{Message: "loop: callback panicked", Err: panics.Capture(p, "callback")})
		}
	}()
	fn()
}

// report hands ec to the exception handler, or logs it.
func (l *Loop) report(ec ExceptionContext) {
	if h := l.cfg.handler; h != nil {
		defer func() {
			if p := recover(); p != nil {
				l.log.Error("loop: exception handler panicked", "panic", p)
			}
		}()
		h(ec)
		return
	}
	attrs := []any{"err", ec.Err}
	if ec.Task != nil {
		attrs = append(attrs, "task", ec.Task.name)
	}
	var pe *PanicError
	if errors.As(ec.Err, &pe) {
		attrs = append(attrs, "stack", string(pe.Stack))
	}
	l.log.Error(ec.Message, attrs...)
}

// checkOnLoop is the debug-mode misuse check. Task code runs on coroutine
// goroutines, not the driving one, so goroutine identity proves nothing;
// instead a call is judged off-loop when the loop is running but not
// executing a batch. A call from another goroutine while a batch runs goes
// unnoticed (the race detector catches those).
func (l *Loop) checkOnLoop(op string) {
	if l.state.Load() == stateRunning && !l.inStep.Load() {
		panic("loop: " + op + " called from outside the loop while it runs; use CallSoonThreadsafe")
	}
}

// Close ends the loop for good. In order: signal handlers are removed;
// CallSoonThreadsafe starts returning ErrClosed; callbacks still queued run
// (and what they queue, for a few rounds; whatever is left after that is
// reported, never silently dropped); every unfinished task's coroutine is
// stopped, so each of its awaits returns an error matching ErrCancelled and
// ErrClosed while its deferred code unwinds, and it is reported as
// abandoned; pending timers are discarded; task errors nobody retrieved are
// reported. Close returns ErrRunning while the loop runs (call Stop first),
// and nil on repeat calls. Call it from the goroutine that drove the loop.
func (l *Loop) Close() error {
	if l.state.Load() == stateClosed {
		return nil
	}
	if !l.state.CompareAndSwap(stateIdle, stateClosed) {
		return ErrRunning
	}
	l.driverG.Store(gid.Current()) // Close runs what is left here
	defer l.driverG.Store(0)
	l.removeAllSignalHandlers()
	l.ready = append(l.ready, l.q.Close()...)
	l.drainAtClose()
	l.runCloseHooks()
	// Bounded: abandoned code that keeps spawning cannot hold Close.
	for round := 0; len(l.tasks) > 0 && round < 16; round++ {
		for t := range l.tasks {
			t.abandon()
		}
		l.drainAtClose()
	}
	l.closed = true
	for t := range l.tasks {
		l.report(ExceptionContext{Message: "loop: task never stopped at close", Err: ErrClosed, Task: t})
	}
	for _, fn := range l.ready {
		l.dropped("Close", fn)
	}
	l.ready = nil
	l.timers.Clear()
	for t := range l.unseen {
		if t.obs.retrieved.Load() {
			continue
		}
		l.report(ExceptionContext{Message: "loop: task error never retrieved", Err: t.c.err, Task: t})
	}
	clear(l.unseen)
	close(l.done)
	return nil
}

// drainAtClose runs queued callbacks for a bounded number of rounds.
func (l *Loop) drainAtClose() {
	for round := 0; round < 16 && len(l.ready) > 0; round++ {
		l.runBatch()
	}
}
