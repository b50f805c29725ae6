package sc

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hitchrt/hitch/internal/gid"
	"github.com/hitchrt/hitch/internal/ilist"
)

// ErrOverrun is the category of errors about values a full queue could not
// take: Inbox.Put on a full inbox, and the *OverrunError a receiver gets
// where values meant for it were lost.
var ErrOverrun = errors.New("sc: overrun")

// OverrunError tells a receiver of an Inbox or a Subscription that values
// meant for it were lost because its queue was full when they arrived. It
// comes, once, at the place in the stream where they were lost: after the
// values that were already queued then. It matches ErrOverrun.
type OverrunError struct {
	// Lost is how many values were lost since the receiver was last told.
	Lost int
}

// Error says how many values were lost.
func (e *OverrunError) Error() string {
	return fmt.Sprintf("sc: overrun: %d value(s) lost because the queue was full", e.Lost)
}

// Is matches ErrOverrun.
func (e *OverrunError) Is(target error) bool { return target == ErrOverrun }

var (
	errInboxFull    = fmt.Errorf("sc: Inbox.Put: the inbox is full: %w", ErrOverrun)
	errSubsOverrun  = fmt.Errorf("sc: Inbox.Put: a subscription is full and lost the value (the others got it): %w", ErrOverrun)
	errInboxClosed  = fmt.Errorf("sc: Inbox: closed: %w", ErrClosedResource)
	errFannedOut    = fmt.Errorf("sc: Inbox.Receive after Subscribe: receive from a Subscription: %w", ErrClosedResource)
	errSubClosed    = fmt.Errorf("sc: Subscription closed: %w", ErrClosedResource)
	errRunnerFinish = fmt.Errorf("sc: Inbox.Deliver: %w", ErrRunFinished)
)

// Inbox is a bounded FIFO queue that code running inside a runner fills
// without blocking and that tasks receive from, parking while it is empty.
// It is the one primitive behind mailboxes, channels fed by host code and
// stream subscriptions:
//
//	who                                     fills with      receives with
//	a task, host code between ticks,        Put (never      Receive (tasks;
//	  a Token.RunSyncSoon function            blocks)         parks), TryReceive
//	a plain goroutine (a socket's reader)   Deliver (never blocks)
//
// Put on a full inbox returns an error matching ErrOverrun and queues
// nothing, so the caller decides what an overrun means (tractor reports it
// to the sender). Close(err) ends the stream: receivers drain what is
// queued, then get err. Subscribe turns the inbox into a fan-out: from then
// on every value goes to every open Subscription, each with its own bound;
// a full subscription loses the value and its receiver is told where (an
// *OverrunError) while the others get it.
//
// An Inbox is runner-owned: Put, Close, Subscribe and TryReceive must run
// inside its runner (a task step of it, or its driving goroutine) and fail
// with an error matching ErrNotInTask elsewhere; plain goroutines use
// Deliver. A steady stream allocates nothing: the queue is a ring of the
// inbox's capacity, and parked receivers wait in an intrusive list.
//
// A zero Inbox is unusable: NewInbox makes one.
type Inbox[T any] struct {
	r *Runner
	q inboxQueue[T] // the inbox's own queue, until Subscribe

	// Runner-owned.
	fanout bool                        // Subscribe was called: values go to subs
	subs   ilist.Set[*Subscription[T]] // open subscriptions
	closed bool

	// Deliver's hand-off, from any goroutine into the next tick.
	mu          sync.Mutex
	pending     []T  // guarded by mu: delivered, not yet put
	pendingLost int  // guarded by mu: delivered beyond the bound, lost
	queued      bool // guarded by mu: drain is in the runner's queue
	refused     bool // guarded by mu: closed, or the run finished
	bound       int  // guarded by mu: most values pending can hold
	spare       []T  // runner-owned: the emptied previous pending
}

// NewInbox returns an empty inbox of r that holds up to capacity values.
// A capacity below 1 or a nil runner panics.
func NewInbox[T any](r *Runner, capacity int) *Inbox[T] {
	if r == nil {
		panic("sc: NewInbox: nil runner")
	}
	if capacity < 1 {
		panic(fmt.Sprintf("sc: NewInbox: capacity %d: want at least 1", capacity))
	}
	in := &Inbox[T]{r: r, bound: capacity}
	in.q.init(capacity)
	return in
}

// Cap returns the inbox's capacity.
func (in *Inbox[T]) Cap() int { return len(in.q.buf) }

// Len returns how many values are queued in the inbox's own queue (zero
// after Subscribe). Runner-owned.
func (in *Inbox[T]) Len() int { return in.q.n }

// Put queues v without blocking. If a task waits in Receive, it wakes and
// gets v. It returns an error matching ErrOverrun, queueing nothing, when
// the inbox is full; one matching ErrClosedResource after Close. After
// Subscribe, v goes to every open subscription instead (none: v is
// dropped), and the error says when some subscription was full and lost
// it. Put must run inside the inbox's runner (see Inbox); elsewhere it
// returns an error matching ErrNotInTask.
func (in *Inbox[T]) Put(v T) error {
	if err := in.r.checkInside("Inbox.Put"); err != nil {
		return err
	}
	if in.closed {
		return errInboxClosed
	}
	if in.fanout {
		if !in.putSubs(v) {
			return errSubsOverrun
		}
		return nil
	}
	if !in.q.push(v) {
		return errInboxFull
	}
	return nil
}

// Deliver queues v for the inbox from any goroutine, without blocking; the
// inbox puts it at the runner's next tick (through the runner's wake-up
// queue, like Token.RunSyncSoon). Values delivered by one goroutine arrive
// in the order delivered. An overrun cannot be reported to the delivering
// goroutine, which has moved on: values that find the inbox (or a
// subscription) full are lost, and the receivers get an *OverrunError
// where they were lost. Deliver returns an error matching
// ErrClosedResource once the inbox is closed and ErrRunFinished once the
// run has ended. A steady stream allocates nothing.
func (in *Inbox[T]) Deliver(v T) error { return in.deliver(v, false) }

// DeliverNow is Deliver that, like Token.RunSyncNow, puts v at once on the
// calling goroutine, and runs the task steps that wakes, when the run was
// started by Run with WithInlineDrive and waits idle; otherwise it queues
// v exactly as Deliver does. Values delivered by one goroutine, through
// either call, arrive in the order delivered. It never blocks for longer
// than the steps it runs; any goroutine.
func (in *Inbox[T]) DeliverNow(v T) error { return in.deliver(v, true) }

func (in *Inbox[T]) deliver(v T, now bool) error {
	in.mu.Lock()
	if in.refused {
		closed := in.closed
		in.mu.Unlock()
		if closed {
			return errInboxClosed
		}
		return errRunnerFinish
	}
	if len(in.pending) >= in.bound {
		in.pendingLost++ // would overrun anyway: keep memory bounded
	} else {
		in.pending = append(in.pending, v)
	}
	schedule := !in.queued
	in.queued = true
	in.mu.Unlock()
	if !schedule {
		return nil
	}
	j := job{work: (*inboxDrain[T])(in)}
	var err error
	if now {
		err = in.r.pushNow(j)
	} else {
		err = in.r.push(j)
	}
	if err != nil {
		in.fail(ErrRunFinished)
		return errRunnerFinish
	}
	return nil
}

// inboxDrain is an Inbox as the job that puts what Deliver handed over:
// queueing it makes nothing new, so Deliver allocates nothing.
type inboxDrain[T any] Inbox[T]

func (d *inboxDrain[T]) run(*Runner)    { (*Inbox[T])(d).drain() }
func (d *inboxDrain[T]) fail(err error) { (*Inbox[T])(d).fail(err) }

// drain puts the delivered values, inside a tick.
func (in *Inbox[T]) drain() {
	in.mu.Lock()
	vals, lost := in.pending, in.pendingLost
	in.pending, in.pendingLost, in.queued = in.spare[:0], 0, false
	in.mu.Unlock()
	var zero T
	for i := range vals {
		if !in.closed {
			in.putLossy(vals[i])
		}
		vals[i] = zero
	}
	if lost > 0 && !in.closed {
		if in.fanout {
			for _, s := range in.subs.All() {
				s.q.lose(lost)
			}
		} else {
			in.q.lose(lost)
		}
	}
	in.spare = vals[:0]
}

// putLossy puts a delivered value; where there is no room, the receivers
// are told of the loss instead.
func (in *Inbox[T]) putLossy(v T) {
	if in.fanout {
		in.putSubs(v)
		return
	}
	if !in.q.push(v) {
		in.q.lose(1)
	}
}

// putSubs gives v to every open subscription and reports whether all had
// room; a full one records the loss for its receivers.
func (in *Inbox[T]) putSubs(v T) bool {
	all := true
	for _, s := range in.subs.All() {
		if !s.q.push(v) {
			s.q.lose(1)
			all = false
		}
	}
	return all
}

// fail drops what was delivered once the run has ended.
func (in *Inbox[T]) fail(error) {
	in.mu.Lock()
	in.refused = true
	clear(in.pending)
	in.pending, in.pendingLost = in.pending[:0], 0
	in.mu.Unlock()
}

// Receive takes the next value, parking the task while there is none. It
// is a checkpoint when it returns at once (a cancelled task first lets the
// others run, then gets ErrCancelled); a value it parked for is returned
// as soon as the task runs again. Where values meant for this inbox were
// lost (see Deliver) it returns an *OverrunError once, then goes on with
// the values after the loss. Once the inbox is closed and drained it
// returns the close error; after Subscribe, an error matching
// ErrClosedResource (receive from the subscriptions). ctx must belong to a
// task of the inbox's runner.
func (in *Inbox[T]) Receive(ctx context.Context) (T, error) {
	t, err := in.receiver(ctx, "Inbox.Receive")
	if err != nil {
		var zero T
		return zero, err
	}
	return in.q.receive(t, waitInbox)
}

// TryReceive takes the next value if one is queued, without blocking and
// without a schedule point, and reports whether it did. It reports false
// where Receive would return an error (a loss to report, the end, after
// Subscribe). Runner-owned; elsewhere it reports false.
func (in *Inbox[T]) TryReceive() (T, bool) {
	if in.r.checkInside("Inbox.TryReceive") != nil {
		var zero T
		return zero, false
	}
	return in.q.tryPop()
}

func (in *Inbox[T]) receiver(ctx context.Context, op string) (*Task, error) {
	t, err := taskFrom(ctx, op)
	if err != nil {
		return nil, err
	}
	if t.r != in.r {
		return nil, fmt.Errorf("sc: %s: %s belongs to another runner than the inbox: %w", op, t, ErrNotInTask)
	}
	return t, nil
}

// Close ends the inbox: no more values are taken (Put and Deliver fail
// with ErrClosedResource; values delivered but not yet put are dropped),
// and receivers, of the inbox and of every subscription, get what is
// queued, then err; a nil err means ErrEndOfChannel. Repeat calls are
// no-ops. Runner-owned (see Inbox).
func (in *Inbox[T]) Close(err error) error {
	if e := in.r.checkInside("Inbox.Close"); e != nil {
		return e
	}
	if in.closed {
		return nil
	}
	if err == nil {
		err = ErrEndOfChannel
	}
	in.closed = true
	in.mu.Lock()
	in.refused = true
	clear(in.pending)
	in.pending, in.pendingLost = in.pending[:0], 0
	in.mu.Unlock()
	in.q.close(err)
	for _, s := range in.subs.All() {
		s.q.close(err)
	}
	return nil
}

// Subscribe returns a new fan-out receiver with room for capacity values:
// it gets every value put from now on. The first Subscribe turns the
// inbox into a fan-out: values still queued in the inbox go to that first
// subscription (those beyond its capacity are reported to it as lost), and
// Receive on the inbox itself fails from then on. Close subscriptions that
// stop receiving, or they only collect losses. A capacity below 1 panics.
// It returns an error matching ErrClosedResource once the inbox is closed.
// Runner-owned (see Inbox).
func (in *Inbox[T]) Subscribe(capacity int) (*Subscription[T], error) {
	if capacity < 1 {
		panic(fmt.Sprintf("sc: Inbox.Subscribe: capacity %d: want at least 1", capacity))
	}
	if err := in.r.checkInside("Inbox.Subscribe"); err != nil {
		return nil, err
	}
	if in.closed {
		return nil, errInboxClosed
	}
	s := &Subscription[T]{in: in}
	s.q.init(capacity)
	if !in.fanout {
		in.fanout = true
		in.q.moveTo(&s.q)
		in.q.close(errFannedOut)
	}
	in.subs.Add(s, &s.idx)
	in.mu.Lock()
	in.bound = max(in.bound, capacity)
	in.mu.Unlock()
	return s, nil
}

// Subscription is one fan-out receiver of an Inbox (see Inbox.Subscribe).
// Receive is for tasks of the inbox's runner; Close is runner-owned.
type Subscription[T any] struct {
	in     *Inbox[T]
	q      inboxQueue[T]
	idx    int32 // position in in.subs while open
	closed bool
}

// Receive takes the subscription's next value, as Inbox.Receive does. After
// Close it returns an error matching ErrClosedResource.
func (s *Subscription[T]) Receive(ctx context.Context) (T, error) {
	t, err := s.in.receiver(ctx, "Subscription.Receive")
	if err != nil {
		var zero T
		return zero, err
	}
	return s.q.receive(t, waitSubscription)
}

// TryReceive takes the subscription's next value if one is queued, as
// Inbox.TryReceive does: without blocking and without a schedule point.
// Runner-owned; elsewhere it reports false.
func (s *Subscription[T]) TryReceive() (T, bool) {
	if s.in.r.checkInside("Subscription.TryReceive") != nil {
		var zero T
		return zero, false
	}
	return s.q.tryPop()
}

// Len returns how many values are queued for the subscription.
// Runner-owned.
func (s *Subscription[T]) Len() int { return s.q.n }

// Close ends the subscription: values no longer go to it, queued ones are
// dropped, and its receivers get an error matching ErrClosedResource.
// Repeat calls are no-ops. Runner-owned (see Inbox).
func (s *Subscription[T]) Close() error {
	if err := s.in.r.checkInside("Subscription.Close"); err != nil {
		return err
	}
	if s.closed {
		return nil
	}
	s.closed = true
	s.in.subs.Remove(s, subscriptionPos[T])
	s.q.clear()
	s.q.close(errSubClosed)
	return nil
}

func subscriptionPos[T any](s *Subscription[T]) *int32 { return &s.idx }

// checkInside returns an error matching ErrNotInTask unless the caller runs
// inside r: a task step of r, r's driving goroutine (in a tick or between
// ticks), or host code its driver vouches for (WithHostCode). Where goroutines cannot be told apart (see internal/gid)
// it lets every caller through.
func (r *Runner) checkInside(op string) error {
	g := gid.Current()
	if g == 0 || g == r.driverG.Load() {
		return nil
	}
	if t := r.current.Load(); t != nil && t.gid.Load() == g {
		return nil
	}
	if r.onHost != nil && r.onHost() {
		return nil // a host task's step: serialized with the ticks (WithHostCode)
	}
	return fmt.Errorf("sc: %s called from outside the runner (from a plain goroutine use Inbox.Deliver, or Token.RunSyncSoon): %w", op, ErrNotInTask)
}
