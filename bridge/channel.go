package bridge

import (
	"context"
	"errors"
	"fmt"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/loop"
)

// ChannelOption configures OpenChannelFrom.
type ChannelOption interface{ applyChannel(*chanConfig) }

type chanOptionFunc func(*chanConfig)

func (f chanOptionFunc) applyChannel(c *chanConfig) { f(c) }

type chanConfig struct {
	queue    int    // capacity of each guest-side queue
	suppress bool   // a host task returning nil ends iteration quietly
	name     string // the host task's name
}

// DefaultQueueSize is the capacity of each guest-side queue of a channel
// opened by OpenChannelFrom without WithQueueSize (tractor's 256).
const DefaultQueueSize = 256

func newChanConfig(opts []ChannelOption) (chanConfig, error) {
	cfg := chanConfig{queue: DefaultQueueSize, suppress: true, name: "OpenChannelFrom"}
	for _, o := range opts {
		if o != nil {
			o.applyChannel(&cfg)
		}
	}
	if cfg.queue < 1 {
		return cfg, fmt.Errorf("bridge: OpenChannelFrom: queue size %d: want at least 1", cfg.queue)
	}
	return cfg, nil
}

// WithQueueSize sets the capacity of each guest-side queue (the channel's
// own and every Subscription's); HostEnd.Send fails with ErrOverrun when a
// queue is full. n must be at least 1. The default is DefaultQueueSize.
func WithQueueSize(n int) ChannelOption { return chanOptionFunc(func(c *chanConfig) { c.queue = n }) }

// SuppressGracefulExits says what the guest sees when the host task returns
// nil: with on (the default, as tractor), receives end with
// sc.ErrEndOfChannel once the queue is drained, and a body that returns that
// error makes OpenChannelFrom return nil; with off, those receives fail with
// an error matching ErrHostExited instead.
func SuppressGracefulExits(on bool) ChannelOption {
	return chanOptionFunc(func(c *chanConfig) { c.suppress = on })
}

// WithHostTaskName names the host task in loop reports (default
// "OpenChannelFrom").
func WithHostTaskName(name string) ChannelOption {
	return chanOptionFunc(func(c *chanConfig) { c.name = name })
}

// endKind is how the host task ended, seen from the guest.
type endKind uint8

const (
	endRunning   endKind = iota
	endReturned          // fn returned nil
	endCancelled         // cancelled by host code, not by the guest
	endFailed            // any other error (a panic included)
	endStopped           // ended after the guest side had left
)

// linkState is the part of a link that does not depend on the value
// types. Loop-goroutine owned: host code and guest task steps touch it,
// never at the same time.
type linkState struct {
	cfg  chanConfig
	task *loop.Task

	started bool // HostEnd.Started was called

	// Set by the host task's done callback.
	hostKind   endKind
	hostErr    error    // the host task's error as it ended
	hostEnd    error    // what guest receives return once drained
	hostDoneEv sc.Event // set once the host task has ended

	// Set when the guest side leaves OpenChannelFrom.
	guestLeft   bool
	relay       error // what the host side gets from then on
	cancelledIt bool  // the guest side cancelled the host task

	scope sc.CancelScope // around the guest side's wait for Started and its body
}

func (s *linkState) hostDone() bool { return s.hostKind != endRunning }

// reader is one guest-side queue with its wake-up: the channel's own, or a
// Subscription's.
type reader[T any] struct {
	q      ring[T]
	sig    sc.Semaphore // a binary wake-up: at most one token
	closed bool
}

// wake wakes one task waiting on s, or leaves one token for the next.
func wake(s *sc.Semaphore) {
	if s.Value() == 0 {
		s.Release()
	}
}

// receive takes the next value for a guest task. Values queued before the
// host task ended are still delivered; then the end error.
func (rd *reader[T]) receive(ctx context.Context, st *linkState, op string) (T, error) {
	var zero T
	if ctx != nil && ctx.Err() != nil {
		// Cancelled: the checkpoint returns the right error.
		if err := sc.Checkpoint(ctx); err != nil {
			return zero, err
		}
	}
	for spins := 0; ; {
		if rd.closed {
			wake(&rd.sig) // so does every other receiver
			return zero, fmt.Errorf("bridge: %s: %w", op, sc.ErrClosedResource)
		}
		if v, ok := rd.q.pop(); ok {
			if rd.q.len() > 0 {
				wake(&rd.sig) // another receiver may wait
			}
			return v, nil
		}
		if st.hostDone() {
			wake(&rd.sig) // so does every other receiver
			return zero, st.hostEnd
		}
		var err error
		if spins < spinYields {
			spins++
			err = sc.Checkpoint(ctx)
		} else {
			err = rd.sig.Acquire(ctx)
		}
		if err != nil {
			if st.endedLink(err) {
				continue // deliver what is queued, then the host's end
			}
			return zero, err
		}
	}
}

// endedLink reports whether err is the cancellation of the link's scope
// by a host task that ended badly: the guest's waits then report the
// host's end rather than a bare cancellation.
func (s *linkState) endedLink(err error) bool {
	return s.hostDone() && s.scope.CancelCalled() && errors.Is(err, sc.ErrCancelled)
}

// push queues v and wakes a receiver; the caller checked the capacity.
func (rd *reader[T]) push(v T) {
	rd.q.push(v)
	wake(&rd.sig)
}

// link is one OpenChannelFrom: both ends and their queues.
type link[H2G, G2H any] struct {
	linkState
	host  HostEnd[H2G, G2H]
	guest GuestEnd[H2G, G2H]

	startedVal H2G
	base       reader[H2G]          // the channel's own guest-side queue
	subscribed bool                 // Subscribe was called: values go to subs
	subs       []*Subscription[H2G] // open subscriptions

	g2h   ring[G2H]              // guest -> host values
	hwait *loop.Future[struct{}] // the host task's pending Receive, or nil
}

// OpenChannelFrom runs host as a host task on the loop that hosts the
// calling guest task, linked to the guest by a two-way channel, and runs
// body in the calling task once the host task has called Started (tractor's
// to_asyncio.open_channel_from). It returns when body has returned and the
// host task has ended: neither side is ever left running, except when the
// guest run itself is abandoned. It must be called from a task of a guest
// run whose host is a *loop.Loop.
//
// Host to guest, values go into a bounded guest-side queue (WithQueueSize);
// guest to host into an unbounded host-side queue. Both ends are used from
// the loop's goroutine only (host code, host tasks, guest tasks), so
// nothing is locked, and a steady stream allocates nothing once the queues
// have grown to their working size. A side that finds its queue empty
// yields to the loop a few times before it parks, so a peer that answers
// within a turn or two costs no goroutine hand-off (see
// BenchmarkOpenChannelFromEcho).
//
// How one side ending shows on the other (tractor's relay matrix, with its
// quirks made deterministic):
//   - host returns nil: guest receives drain the queue, then end with
//     sc.ErrEndOfChannel (or an ErrHostExited error, with
//     SuppressGracefulExits(false)); a body returning sc.ErrEndOfChannel
//     then makes OpenChannelFrom return nil. Returning before Started is
//     an error matching ErrHostExited in either mode.
//   - host returns an error E (a panic included): receives fail with E
//     once drained, the body's scope is cancelled (so a body blocked
//     elsewhere stops), and OpenChannelFrom returns E (joined with the
//     body's own error when that is another one). Before Started, the
//     wait for the started value fails with E (B7).
//   - host task cancelled by host code: as for an error, with an error
//     matching ErrHostCancelled and loop.ErrCancelled.
//   - body returns an error E: the host task gets an error matching
//     ErrGuestCrashed and E from its pending or next HostEnd.Receive, or,
//     parked on anything else, is cancelled (its await returns
//     loop.ErrCancelled and HostEnd.Err says why); OpenChannelFrom waits
//     for it and returns E.
//   - body returns nil, or the guest task is cancelled: the same with an
//     error matching ErrGuestExited; OpenChannelFrom returns the body's
//     outcome (the cancellation, which the scope that caused it absorbs).
//
// Errors in the arguments (nil funcs, a bad option, a misplaced call) are
// returned before anything starts.
func OpenChannelFrom[H2G, G2H any](ctx context.Context,
	host func(t *loop.Task, ch *HostEnd[H2G, G2H]) error,
	body func(ctx context.Context, ch *GuestEnd[H2G, G2H], started H2G) error,
	opts ...ChannelOption,
) error {
	_, l, err := hostLoop(ctx, "OpenChannelFrom")
	if err != nil {
		return err
	}
	if host == nil || body == nil {
		return errors.New("bridge: OpenChannelFrom: nil host or body func")
	}
	cfg, err := newChanConfig(opts)
	if err != nil {
		return err
	}
	k := &link[H2G, G2H]{}
	k.cfg = cfg
	k.host.k = k
	k.guest.k = k
	err = k.scope.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
		k.task = l.Spawn(cfg.name, func(t *loop.Task) error { return host(t, &k.host) })
		k.task.AddDoneCallback(k.onHostDone)
		started, err := k.waitStarted(ctx)
		if err != nil {
			return err
		}
		return body(ctx, &k.guest, started)
	})
	k.leave(ctx, err)
	return k.outcome(err)
}

// waitStarted waits for the host task's first value, or its end.
func (k *link[H2G, G2H]) waitStarted(ctx context.Context) (H2G, error) {
	var zero H2G
	for spins := 0; ; {
		if k.started {
			return k.startedVal, nil
		}
		if k.hostDone() {
			if k.hostKind == endReturned {
				return zero, fmt.Errorf("bridge: OpenChannelFrom: %w before calling Started", ErrHostExited)
			}
			return zero, k.hostEnd
		}
		var err error
		if spins < spinYields {
			spins++
			err = sc.Checkpoint(ctx)
		} else {
			err = k.base.sig.Acquire(ctx)
		}
		if err != nil {
			if k.endedLink(err) {
				continue
			}
			return zero, err
		}
	}
}

// onHostDone records how the host task ended and tells the guest side.
// It runs as a loop callback: host code between guest ticks.
func (k *link[H2G, G2H]) onHostDone(t *loop.Task) {
	err := t.Err()
	k.hostErr = err
	switch {
	case k.guestLeft:
		k.hostKind = endStopped
		k.hostEnd = fmt.Errorf("bridge: the channel is closed: %w", sc.ErrClosedResource)
	case err == nil:
		k.hostKind = endReturned
		if k.cfg.suppress {
			k.hostEnd = sc.ErrEndOfChannel
		} else {
			k.hostEnd = fmt.Errorf("%w: it returned while the guest side still received", ErrHostExited)
		}
	case errors.Is(err, loop.ErrCancelled) && !errors.Is(err, loop.ErrClosed):
		k.hostKind = endCancelled
		k.hostEnd = hostCancelled(err)
	default:
		k.hostKind = endFailed
		k.hostEnd = err
	}
	wake(&k.base.sig)
	for _, s := range k.subs {
		wake(&s.rd.sig)
	}
	k.hostDoneEv.Set()
	if !k.guestLeft && err != nil {
		k.scope.Cancel()
	}
}

// leave tells the host side that the guest side has left with bodyErr,
// then waits, shielded, until the host task has ended.
func (k *link[H2G, G2H]) leave(ctx context.Context, bodyErr error) {
	k.guestLeft = true
	switch {
	case bodyErr == nil, k.graceful(bodyErr):
		k.relay = ErrGuestExited
	case errors.Is(bodyErr, sc.ErrCancelled):
		k.relay = fmt.Errorf("%w: %w", ErrGuestExited, bodyErr)
	default:
		k.relay = guestCrashed(bodyErr)
	}
	for _, s := range k.subs {
		s.rd.closed = true
	}
	k.subs = nil
	if k.task == nil || k.hostDone() {
		return
	}
	if w := k.hwait; w == nil || !w.SetError(k.relay) {
		// Parked elsewhere, or runnable: cancel it; HostEnd turns the
		// cancel into the relay error where it can.
		k.cancelledIt = true
		k.task.Cancel()
	}
	k.hwait = nil
	waitShielded(ctx, &k.hostDoneEv, k.hostDone)
}

// graceful reports whether bodyErr is the end of a channel whose host task
// returned nil, with graceful exits suppressed.
func (k *link[H2G, G2H]) graceful(bodyErr error) bool {
	return k.cfg.suppress && k.hostKind == endReturned && errors.Is(bodyErr, sc.ErrEndOfChannel)
}

// outcome is what OpenChannelFrom returns, given the body's outcome (with
// the link scope's own cancellation absorbed) and how the host task ended.
func (k *link[H2G, G2H]) outcome(bodyErr error) error {
	herr := k.hostErr
	// A host error that is only the echo of the guest leaving (the relay,
	// or the cancel the guest caused) is no news for the guest.
	echo := errors.Is(herr, loop.ErrCancelled) || errors.Is(herr, ErrGuestExited) || errors.Is(herr, ErrGuestCrashed)
	hostReal := k.hostKind == endFailed || k.hostKind == endStopped && herr != nil && !echo
	switch {
	case bodyErr != nil:
		if k.graceful(bodyErr) {
			return nil
		}
		if hostReal && !errors.Is(bodyErr, herr) {
			return errors.Join(bodyErr, herr)
		}
		return bodyErr
	case k.hostKind == endCancelled:
		return k.hostEnd
	case hostReal:
		return herr
	}
	return nil
}

// HostEnd is the host task's end of a channel opened by OpenChannelFrom.
// Its methods are for the host task (Receive) and host code on the loop
// (Started, Send, Err); a zero HostEnd is unusable.
type HostEnd[H2G, G2H any] struct{ k *link[H2G, G2H] }

// Started hands the first value to the guest side, which is waiting for it
// to run its body (tractor's started_nowait). It must come before Send;
// a second call is an error. After the guest side has left it returns the
// error saying why (see Err).
func (h *HostEnd[H2G, G2H]) Started(v H2G) error {
	k := h.k
	switch {
	case k.guestLeft:
		return k.relay
	case k.started:
		return errors.New("bridge: HostEnd.Started: called twice")
	}
	k.started = true
	k.startedVal = v
	wake(&k.base.sig)
	return nil
}

// Send queues v for the guest side without blocking (tractor's
// send_nowait). With subscriptions, v goes to every open Subscription;
// otherwise to the channel's own queue. If a queue is full, nothing is
// queued and Send returns an error matching ErrOverrun; with every
// subscription closed, values are dropped. Send before
// Started is an error; after the guest side has left, Send returns the
// error saying why (see Err).
func (h *HostEnd[H2G, G2H]) Send(v H2G) error {
	k := h.k
	switch {
	case k.guestLeft:
		return k.relay
	case !k.started:
		return errors.New("bridge: HostEnd.Send: called before Started")
	}
	if !k.subscribed {
		if k.base.q.len() >= k.cfg.queue {
			return fmt.Errorf("%w: %d values queued", ErrOverrun, k.base.q.len())
		}
		k.base.push(v)
		return nil
	}
	for _, s := range k.subs {
		if s.rd.q.len() >= k.cfg.queue {
			return fmt.Errorf("%w: a subscription has %d values queued", ErrOverrun, s.rd.q.len())
		}
	}
	for _, s := range k.subs {
		s.rd.push(v)
	}
	return nil
}

// Receive parks task t until the guest side sends a value and returns it
// (tractor's `await chan.get()`). Values the guest sent before leaving are
// still delivered; then Receive returns the error saying why the guest
// side left: matching ErrGuestCrashed and the body's error, or
// ErrGuestExited. If t is cancelled meanwhile it returns loop.ErrCancelled
// (or, when the guest side's leaving caused the cancel, that error). One
// task at a time may wait in Receive; t must be the running task.
func (h *HostEnd[H2G, G2H]) Receive(t *loop.Task) (G2H, error) {
	var zero G2H
	k := h.k
	if t == nil {
		return zero, errors.New("bridge: HostEnd.Receive: nil task")
	}
	for spins := 0; ; {
		if v, ok := k.g2h.pop(); ok {
			return v, nil
		}
		if k.guestLeft {
			return zero, k.relay
		}
		if k.hwait != nil {
			return zero, errors.New("bridge: HostEnd.Receive: another task is already receiving")
		}
		if spins < spinYields {
			// A guest that answers within a turn or two is seen without
			// allocating a future to park on.
			spins++
			if err := t.Yield(); err != nil {
				if k.guestLeft && k.cancelledIt && errors.Is(err, loop.ErrCancelled) {
					return zero, k.relay
				}
				return zero, err
			}
			continue
		}
		f := loop.NewFuture[struct{}](t.Loop())
		k.hwait = f
		_, err := loop.Await(t, f)
		if k.hwait == f {
			k.hwait = nil
		}
		if err != nil {
			if k.guestLeft && (errors.Is(err, ErrGuestExited) || errors.Is(err, ErrGuestCrashed) ||
				k.cancelledIt && errors.Is(err, loop.ErrCancelled)) {
				return zero, k.relay
			}
			return zero, err
		}
	}
}

// Err returns nil while the guest side is in OpenChannelFrom, then why it
// left: an error matching ErrGuestCrashed and the body's error, or
// ErrGuestExited. A host task cancelled by the guest side's leaving asks
// Err to tell that apart from other cancellations.
func (h *HostEnd[H2G, G2H]) Err() error { return h.k.relay }

// GuestEnd is the guest side's end of a channel opened by OpenChannelFrom,
// handed to the body. Its methods are for tasks of the guest run (the
// body and the tasks it starts), until OpenChannelFrom returns; a zero
// GuestEnd is unusable.
type GuestEnd[H2G, G2H any] struct{ k *link[H2G, G2H] }

// Receive takes the next value the host task sent, blocking while there is
// none. It is a checkpoint whenever it blocks; a value already queued is
// returned without a schedule point. A cancelled task gets sc.ErrCancelled
// either way. Once the host task has ended and the queue is
// drained it returns how it ended: sc.ErrEndOfChannel (host returned nil;
// an ErrHostExited error with SuppressGracefulExits(false)), the host's
// error, or an error matching ErrHostCancelled. Several tasks may receive
// at once; each value goes to one of them. After Subscribe, Receive is an
// error: receive from the subscriptions.
func (c *GuestEnd[H2G, G2H]) Receive(ctx context.Context) (H2G, error) {
	k := c.k
	if k.subscribed {
		var zero H2G
		return zero, errors.New("bridge: GuestEnd.Receive after Subscribe: receive from a Subscription")
	}
	if k.guestLeft {
		var zero H2G
		return zero, fmt.Errorf("bridge: GuestEnd.Receive after OpenChannelFrom returned: %w", sc.ErrClosedResource)
	}
	return k.base.receive(ctx, &k.linkState, "GuestEnd.Receive")
}

// Send queues v for the host task without blocking and wakes it if it
// waits in HostEnd.Receive (tractor's chan.send). It is not a schedule
// point, but a cancelled task gets sc.ErrCancelled and nothing is sent.
// Once the host task has ended, Send fails: with an error matching
// ErrHostExited and sc.ErrBrokenResource when it returned nil, else with
// what a receive would return.
func (c *GuestEnd[H2G, G2H]) Send(ctx context.Context, v G2H) error {
	k := c.k
	switch {
	case ctx == nil || sc.CurrentTask(ctx) == nil:
		return fmt.Errorf("bridge: GuestEnd.Send: %w", sc.ErrNotInTask)
	case k.guestLeft:
		return fmt.Errorf("bridge: GuestEnd.Send after OpenChannelFrom returned: %w", sc.ErrClosedResource)
	}
	if ctx.Err() != nil {
		if err := sc.Checkpoint(ctx); err != nil {
			return err
		}
	}
	if k.hostDone() {
		if k.hostKind == endReturned {
			return fmt.Errorf("%w: %w", ErrHostExited, sc.ErrBrokenResource)
		}
		return k.hostEnd
	}
	k.g2h.push(v)
	if w := k.hwait; w != nil {
		k.hwait = nil
		w.SetResult(struct{}{})
	}
	return nil
}

// Subscribe returns a new fan-out receiver: from now on every value the
// host task sends goes to every open Subscription (tractor's broadcast
// subscribe). Values still queued on the channel at the first Subscribe go
// to that first subscription, so none is lost; from then on
// GuestEnd.Receive is an error. Each subscription has its own queue of
// WithQueueSize values; a full one makes HostEnd.Send fail with
// ErrOverrun, so Close subscriptions that stop receiving.
func (c *GuestEnd[H2G, G2H]) Subscribe() (*Subscription[H2G], error) {
	k := c.k
	if k.guestLeft {
		return nil, fmt.Errorf("bridge: GuestEnd.Subscribe after OpenChannelFrom returned: %w", sc.ErrClosedResource)
	}
	s := &Subscription[H2G]{st: &k.linkState}
	if !k.subscribed {
		k.subscribed = true
		k.base.q.drainTo(&s.rd.q)
		k.base.closed = true
		wake(&k.base.sig) // receivers parked on the channel's own queue: look again
	}
	k.subs = append(k.subs, s)
	s.unsub = func() {
		for i, o := range k.subs {
			if o == s {
				k.subs = append(k.subs[:i], k.subs[i+1:]...)
				return
			}
		}
	}
	return s, nil
}

// Subscription is one fan-out receiver of a channel's host-to-guest values
// (see GuestEnd.Subscribe). Its methods are for tasks of the guest run.
type Subscription[T any] struct {
	rd    reader[T]
	st    *linkState
	unsub func()
}

// Receive takes the subscription's next value, as GuestEnd.Receive does.
// After Close, or once OpenChannelFrom has returned, it returns an error
// matching sc.ErrClosedResource.
func (s *Subscription[T]) Receive(ctx context.Context) (T, error) {
	return s.rd.receive(ctx, s.st, "Subscription.Receive")
}

// Close ends the subscription: the host's values no longer go to it, and
// tasks waiting in its Receive get sc.ErrClosedResource. Repeat calls are
// no-ops.
func (s *Subscription[T]) Close() {
	if s.rd.closed {
		return
	}
	s.rd.closed = true
	s.unsub()
	wake(&s.rd.sig)
}

// ring is a FIFO queue on a circular buffer that grows by doubling, so a
// steady stream allocates nothing once it has reached its working size.
type ring[T any] struct {
	buf  []T
	head int // index of the oldest value
	n    int // values queued
}

func (r *ring[T]) len() int { return r.n }

func (r *ring[T]) push(v T) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)%len(r.buf)] = v
	r.n++
}

func (r *ring[T]) pop() (T, bool) {
	var zero T
	if r.n == 0 {
		return zero, false
	}
	v := r.buf[r.head]
	r.buf[r.head] = zero // let the value be collected
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return v, true
}

func (r *ring[T]) grow() {
	buf := make([]T, max(2*len(r.buf), 8))
	for i := range r.n {
		buf[i] = r.buf[(r.head+i)%len(r.buf)]
	}
	r.buf, r.head = buf, 0
}

// drainTo moves every queued value to dst, in order.
func (r *ring[T]) drainTo(dst *ring[T]) {
	for v, ok := r.pop(); ok; v, ok = r.pop() {
		dst.push(v)
	}
}
