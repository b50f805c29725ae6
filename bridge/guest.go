package bridge

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/internal/panics"
	"github.com/hitchrt/hitch/internal/sigguard"
)

// Outcome is how a guest run ended: main's value when Err is nil, or the
// error (a *sc.PanicError for a panic, sc.ErrInterrupted for a SIGINT).
type Outcome[T any] struct {
	Value T
	Err   error
}

// Unwrap returns the value and the error, for a one-line hand-off.
func (o Outcome[T]) Unwrap() (T, error) { return o.Value, o.Err }

// Guest is a live guest run: an sc runner whose ticks run as callbacks of
// a host loop. It is safe to use from any goroutine.
type Guest struct {
	host Host
	r    *sc.Runner
	log  *slog.Logger
	tick func() // g.step as a func value, made once

	waits   chan time.Time // tick -> waiter: wait until this deadline
	orphan  chan error     // waiter -> close hook: the runner, host refused
	stop    chan struct{}  // closed when the run is over; stops helpers
	bg      sync.WaitGroup // the waiter
	hooked  bool           // the host runs reclaim while it closes
	locked  bool           // WithHostThreadLocked
	slice   time.Duration  // WithTickSlice
	unhook  func()
	unclaim func() // releases the SIGINT fallback; set before the first tick

	// hostTurn asks the running tick to end after its batch, for a guest
	// task that waits on the host side. Host goroutine only, inside ticks.
	hostTurn bool

	once    sync.Once
	err     error         // the outcome's error; set before done closes
	done    chan struct{} // closed once the outcome is final
	deliver func()        // calls the user's done callback with the value
}

// StartGuestRun starts main as the main task of a guest run on host and
// returns at once (trio's start_guest_run). Each scheduler tick is one host
// callback: it runs batches of the guest's runnable task steps, on the
// host's goroutine and OS thread, serialized with the host's own callbacks,
// for at most a slice of host time (WithTickSlice). While tasks are
// runnable after that the tick re-queues itself with the host; when
// every task waits, a waiter goroutine sleeps until the next deadline or
// wake-up and then hands the next tick to the host. Host code that changes
// guest state between ticks (setting an Event, cancelling a scope, moving a
// deadline, a token call) wakes the waiter at once.
//
// The run is usable as soon as StartGuestRun returns: its Token accepts
// calls before the host runs anything. done runs exactly once, on the host,
// with the outcome. If the host stops running callbacks before that (its
// RunSyncSoonThreadsafe fails, or a *loop.Loop host closes), the run is
// abandoned: its tasks are stopped where they were parked (their deferred
// code runs), an error line is logged, done does not run, and Wait and Err
// report an error matching ErrAbandoned. A ClosingHost (*loop.Loop is one)
// has the tasks unwound on its own goroutine; for other hosts see
// WithHostThreadLocked. A host that accepts a tick and
// then silently drops it cannot be told from a slow one.
//
// A host runs one guest at a time: a second StartGuestRun on a host whose
// guest has not finished returns ErrHostBusy. Errors in setting up the run
// (a nil argument, an invalid option, a host that refuses the first tick)
// are returned here; everything later goes to done.
func StartGuestRun[T any](host Host, main func(ctx context.Context) (T, error), done func(Outcome[T]), opts ...Option) (*Guest, error) {
	return startGuestRun("StartGuestRun", host, main, done, opts)
}

// startGuestRun is StartGuestRun for op, the public function called.
func startGuestRun[T any](op string, host Host, main func(ctx context.Context) (T, error), done func(Outcome[T]), opts []Option) (*Guest, error) {
	switch {
	case host == nil:
		return nil, fmt.Errorf("bridge: %s: nil host", op)
	case main == nil:
		return nil, fmt.Errorf("bridge: %s: nil main", op)
	}
	cfg, err := newConfig(op, opts)
	if err != nil {
		return nil, err
	}
	var value T
	g := &Guest{
		host:   host,
		log:    cfg.log,
		waits:  make(chan time.Time, 1),
		orphan: make(chan error, 1),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		locked: cfg.locked,
		slice:  cfg.slice,
		unhook: func() {},
	}
	g.unclaim = func() {}
	scOpts := append([]sc.Option{sc.WithValue(guestKey, g)}, cfg.scOpts...)
	if h, ok := host.(hostCoder); ok {
		scOpts = append(scOpts, sc.WithHostCode(h.OnLoop))
	}
	g.r = sc.NewRunner(func(ctx context.Context) error {
		v, err := main(ctx)
		value = v
		return err
	}, scOpts...)
	g.tick = g.step
	g.deliver = func() {
		if done == nil {
			return
		}
		o := Outcome[T]{Err: g.err}
		if g.err == nil {
			o.Value = value
		}
		done(o)
	}
	if !register(host, g) {
		return nil, ErrHostBusy
	}
	if h, ok := host.(ClosingHost); ok {
		if unhook, err := h.OnClose(g.reclaim); err == nil {
			g.hooked, g.unhook = true, unhook
		}
	}
	if cfg.sigint {
		g.watchSIGINT() // before the first tick, which may end the run
	}
	if err := host.RunSyncSoonThreadsafe(g.tick); err != nil {
		g.unclaim()
		g.unhook()
		unregister(host, g)
		return nil, fmt.Errorf("bridge: %s: the host refused the first tick: %w", op, err)
	}
	g.bg.Add(1)
	go g.waiter()
	return g, nil
}

// step is one tick, run as a host callback. Ownership of the runner
// travels with the tick: it is queued on the host, running here, or held
// by the waiter, never two at once; whoever holds it when the host refuses
// the next tick abandons the run.
//
// Scheduling rule: a tick runs sc batches back to back while tasks stay
// runnable, until its slice of host time has passed, or a guest task that
// waits on the host side asks for the host's turn (see spin); only then
// does it queue the next tick behind the host's callbacks. A guest with one busy
// task so pays a host round trip per slice, not per step, and the host
// still gets its turn at least every slice (plus the batch that crossed it).
func (g *Guest) step() {
	res, p := g.runSlice()
	switch {
	case p != nil:
		g.r.Abandon(p) // the runner is broken: unwind it, report the panic
		g.finish()
	case res.Finished:
		g.finish()
	case res.Runnable:
		if err := g.host.RunSyncSoonThreadsafe(g.tick); err != nil {
			g.abandon(err, true) // here, on the host: safe to unwind
		}
	default:
		g.waits <- res.Deadline // buffered: the waiter is idle
	}
}

// runSlice runs scheduler batches (sc ticks) until the run finished,
// nothing is runnable, or the tick's slice is used up, and returns the
// last batch's result. A panic there is a bug of the runtime, not of task
// code (which is captured per task), and ends the run with it. One
// recover covers the whole slice: a deferred call per batch would cost as
// much as a task step.
func (g *Guest) runSlice() (res sc.TickResult, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("bridge: internal error in a guest tick: %w", panics.Capture(v, "guest tick"))
		}
	}()
	budget := newTickBudget(g.slice)
	g.hostTurn = false
	for {
		res = g.r.Tick()
		if res.Finished || !res.Runnable || g.hostTurn || !budget.more() {
			return res, nil
		}
	}
}

// tickBudget tells a tick whether its slice of host time has room for
// another batch. The clock starts after the first batch, so a tick of one
// batch (a guest that soon waits, the common case) never reads it; the
// host's turn thus comes at least every slice plus one batch. Reading the
// clock costs tens of nanoseconds on some machines, as much as a task
// step, so it is not read after every batch either: after each read, the
// next comes once half of the batches that would still fit (at the pace
// so far) have run, and at most as many batches as ran before it. A slice
// then costs a few reads (about log2 of its batches), and batches of even
// cost never overrun it.
type tickBudget struct {
	slice, start  time.Duration
	started       bool // the clock was read after the first batch
	batches, next int  // batches since start; the count at which to read again
}

func newTickBudget(slice time.Duration) tickBudget { return tickBudget{slice: slice} }

// more reports, after a batch, whether the tick may run another.
func (b *tickBudget) more() bool {
	if b.slice <= 0 {
		return false
	}
	if !b.started {
		b.started, b.start, b.next = true, tickClock(), 1
		return true
	}
	b.batches++
	if b.batches < b.next {
		return true
	}
	elapsed := tickClock() - b.start
	if elapsed >= b.slice {
		return false
	}
	// At most double the batches between reads: a batch that was cheap
	// so far (or cheaper than the clock can tell) says little about the
	// next ones.
	perBatch := max(elapsed/time.Duration(b.batches), 1)
	fit := int((b.slice - elapsed) / perBatch / 2)
	b.next = b.batches + max(1, min(fit, b.batches))
	return true
}

// tickClock is the monotonic clock ticks measure their slice on (time
// since the package started); tests swap it.
var tickClock = func() time.Duration { return time.Since(clockBase) }

var clockBase = time.Now()

// waiter waits, off the host, for the next deadline or wake-up whenever
// every guest task waits, then hands the next tick to the host. If the
// host refuses it, the waiter holds the runner of an abandoned run: it
// hands it to the host's close hook when there is one (so the tasks unwind
// on the host's goroutine), else abandons the run itself.
func (g *Guest) waiter() {
	defer g.bg.Done()
	for {
		select {
		case d := <-g.waits:
			g.r.Wait(d)
			if err := g.host.RunSyncSoonThreadsafe(g.tick); err != nil {
				if g.hooked {
					g.orphan <- err
				} else {
					g.abandon(err, !g.locked)
				}
				return
			}
		case <-g.stop:
			return
		}
	}
}

// reclaim runs on the host's goroutine while the host closes. By then the
// host refuses callbacks, so the next tick is either gone (it ran during
// the host's last drain, found the host closed and abandoned the run) or
// held by the waiter, which is woken here and hands it over.
func (g *Guest) reclaim() {
	select {
	case <-g.done:
		return
	default:
	}
	g.r.Wake()
	select {
	case <-g.done:
	case err := <-g.orphan:
		g.abandon(err, true)
	case <-time.After(reclaimGrace):
		g.log.Error("bridge: guest run not reclaimed while its host closed; its tasks stay parked", "host", fmt.Sprintf("%T", g.host))
	}
}

// reclaimGrace bounds reclaim; the hand-over takes microseconds, so this
// is a guard against a bug, never a timing anyone relies on.
const reclaimGrace = 10 * time.Second

// watchSIGINT claims SIGINT on the process's signal guard as a fallback:
// a SIGINT that no owner (loop.Run, the actor runtime, a loop's handler)
// or shield takes interrupts the guest's main task. The claim lasts until
// the run ends.
func (g *Guest) watchSIGINT() {
	g.unclaim = sigguard.Own(sigguard.Claim{
		Who:     "bridge guest run",
		Level:   sigguard.LevelFallback,
		Signals: []os.Signal{os.Interrupt},
		Handle: func(os.Signal) {
			g.log.Info("bridge: SIGINT: interrupting the guest's main task")
			g.r.Interrupt()
		},
	})
}

// finish ends a run that finished (or broke) under a tick: the outcome is
// final, the host is free for another guest, then done runs here, on the
// host.
func (g *Guest) finish() {
	g.once.Do(func() {
		g.unclaim()
		g.err = g.r.Outcome()
		g.unhook()
		unregister(g.host, g)
		close(g.stop)
		defer close(g.done)
		g.deliver()
	})
}

// abandon ends a run whose host refused a tick; the caller holds the
// runner (see step). With unwind, the tasks' coroutines are stopped here,
// so their deferred code runs; without (a locked host thread, found out
// off the host) they stay parked.
func (g *Guest) abandon(hostErr error, unwind bool) {
	err := fmt.Errorf("%w (%T: %w)", ErrAbandoned, g.host, hostErr)
	if unwind {
		g.log.Error("bridge: guest run abandoned: the host stopped running callbacks before the run finished; its tasks were stopped", "host", fmt.Sprintf("%T", g.host), "err", hostErr)
		g.r.Abandon(err)
	} else {
		g.log.Error("bridge: guest run abandoned: the host stopped running callbacks before the run finished; its tasks stay parked (they belong to the host's locked OS thread)", "host", fmt.Sprintf("%T", g.host), "err", hostErr)
	}
	g.once.Do(func() {
		g.unclaim()
		g.err = err
		g.unhook()
		unregister(g.host, g)
		close(g.stop)
		close(g.done)
	})
}

// Token returns the run's token: plain goroutines run code inside the
// guest through it, and host code queues work with RunSyncSoon. It works
// from the moment StartGuestRun returns.
func (g *Guest) Token() *sc.Token { return g.r.Token() }

// Host returns the host the run is a guest of.
func (g *Guest) Host() Host { return g.host }

// Runner returns the guest's sc runner.
func (g *Guest) Runner() *sc.Runner { return g.r }

// Cancel cancels the guest's root scope (trio's advice for quitting early:
// cancel, then let the run finish): every task sees sc.ErrCancelled at its
// next checkpoint and done follows once they have all returned. Any
// goroutine; a no-op once the run has ended.
func (g *Guest) Cancel() { _ = g.r.Token().RunSyncSoon(g.r.Cancel) }

// Interrupt delivers sc.ErrInterrupted to the main task at its next
// checkpoint, as a SIGINT does. Any goroutine.
func (g *Guest) Interrupt() { g.r.Interrupt() }

// InTask reports whether the calling code runs inside one of the guest's
// task steps (meaningful on the host's goroutine).
func (g *Guest) InTask() bool { return g.r.InTaskStep() }

// Done returns a channel closed once the run has ended: after the done
// callback returned, or when the run was abandoned.
func (g *Guest) Done() <-chan struct{} { return g.done }

// Err returns the run's error once it has ended (nil before, and after a
// run that succeeded).
func (g *Guest) Err() error {
	select {
	case <-g.done:
		return g.err
	default:
		return nil
	}
}

// Wait blocks until the run has ended and the run's helper goroutines have
// exited, and returns the run's error; or returns ctx's error first. It
// must not be called on the host's goroutine while the host needs that
// goroutine to run the guest.
func (g *Guest) Wait(ctx context.Context) error {
	select {
	case <-g.done:
		g.bg.Wait()
		return g.err
	case <-ctx.Done():
		return ctx.Err()
	}
}
