package bridge

import (
	"context"
	"errors"
	"fmt"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/loop"
)

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
	k.startEv.Set()
	return nil
}

// Send queues v for the guest side without blocking (tractor's
// send_nowait). Without subscriptions, v goes to the channel's own queue;
// if that is full, nothing is queued and Send returns an error matching
// ErrOverrun. With subscriptions, v goes to every open Subscription, and
// overrun is per subscription: a full one loses v, and its receiver gets an
// *sc.OverrunError at that place in its stream, while the others get v;
// Send then returns an error matching ErrOverrun to say some subscription
// lost it. With every subscription closed, values are dropped. Send before
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
	err := k.in.Put(v)
	if err == nil || errors.Is(err, sc.ErrOverrun) {
		return err // an overrun is routine for a fast host: no wrapping, no garbage
	}
	return fmt.Errorf("bridge: HostEnd.Send: %w", err)
}

// Receive parks the host task of ctx until the guest side sends a value
// and returns it (tractor's `await chan.get()`). Values the guest sent
// before leaving are still delivered; then Receive returns the error saying
// why the guest side left: matching ErrGuestCrashed and the body's error,
// or ErrGuestExited. If the task is cancelled meanwhile it returns
// loop.ErrCancelled (or, when the guest side's leaving caused the cancel,
// that error). One task at a time may wait in Receive; ctx must be the
// running host task's.
func (h *HostEnd[H2G, G2H]) Receive(ctx context.Context) (G2H, error) {
	var zero G2H
	k := h.k
	var sp spin
	for {
		if v, ok := k.g2h.pop(); ok {
			return v, nil
		}
		if k.guestLeft {
			return zero, k.relay
		}
		if k.hwait != nil {
			return zero, errors.New("bridge: HostEnd.Receive: another task is already receiving")
		}
		// A guest that answers within a turn or two is seen without
		// allocating a future to park on.
		err := sp.host(ctx, func() error {
			f := loop.NewFuture[struct{}](loop.FromContext(ctx))
			k.hwait = f
			_, err := loop.Await(ctx, f)
			if k.hwait == f {
				k.hwait = nil
			}
			return err
		})
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
// error matching sc.ErrClosedResource: receive from the subscriptions.
func (c *GuestEnd[H2G, G2H]) Receive(ctx context.Context) (H2G, error) {
	k := c.k
	if k.guestLeft {
		var zero H2G
		return zero, fmt.Errorf("bridge: GuestEnd.Receive after OpenChannelFrom returned: %w", sc.ErrClosedResource)
	}
	return receive(ctx, &k.linkState, k.in)
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
// WithQueueSize values, and overrun is per subscription: one that falls
// behind loses values (its Receive reports how many, as an
// *sc.OverrunError) without holding the others back, so Close
// subscriptions that stop receiving. Once the host task has ended,
// Subscribe returns how it ended, as Receive would.
func (c *GuestEnd[H2G, G2H]) Subscribe() (*Subscription[H2G], error) {
	k := c.k
	switch {
	case k.guestLeft:
		return nil, fmt.Errorf("bridge: GuestEnd.Subscribe after OpenChannelFrom returned: %w", sc.ErrClosedResource)
	case k.hostDone():
		return nil, k.hostEnd
	}
	s, err := k.in.Subscribe(k.cfg.queue)
	if err != nil {
		return nil, fmt.Errorf("bridge: GuestEnd.Subscribe: %w", err)
	}
	return &Subscription[H2G]{s: s, st: &k.linkState}, nil
}

// Subscription is one fan-out receiver of a channel's host-to-guest values
// (see GuestEnd.Subscribe): an sc.Subscription of the channel's inbox. Its
// methods are for tasks of the guest run.
type Subscription[T any] struct {
	s  *sc.Subscription[T]
	st *linkState
}

// Receive takes the subscription's next value, as GuestEnd.Receive does;
// where values meant for it were lost to a full queue it returns an
// *sc.OverrunError (matching ErrOverrun) once, then goes on. After Close,
// or once OpenChannelFrom has returned, it returns an error matching
// sc.ErrClosedResource.
func (s *Subscription[T]) Receive(ctx context.Context) (T, error) {
	if s.st.guestLeft {
		var zero T
		return zero, fmt.Errorf("bridge: Subscription.Receive after OpenChannelFrom returned: %w", sc.ErrClosedResource)
	}
	return receive(ctx, s.st, s.s)
}

// Close ends the subscription: the host's values no longer go to it, and
// tasks waiting in its Receive get sc.ErrClosedResource. Repeat calls are
// no-ops.
func (s *Subscription[T]) Close() { _ = s.s.Close() }

// ring is the host side's unbounded FIFO queue of guest-to-host values, on
// a circular buffer that grows by doubling, so a steady stream allocates
// nothing once it has reached its working size. (The guest side's queues
// are sc.Inboxes: bounded, and parked on by guest tasks; the host task
// parks on a loop future instead, see HostEnd.Receive.)
type ring[T any] struct {
	buf  []T
	head int // index of the oldest value
	n    int // values queued
}

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
