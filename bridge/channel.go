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
// own and every Subscription's); see HostEnd.Send for what a full one
// does. n must be at least 1. The default is DefaultQueueSize.
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

// errLinkClosed is what guest-side receives get once OpenChannelFrom has
// returned.
var errLinkClosed = fmt.Errorf("bridge: the channel is closed: OpenChannelFrom returned: %w", sc.ErrClosedResource)

// linkState is the part of a link that does not depend on the value
// types. Loop-goroutine owned: host code and guest task steps touch it,
// never at the same time.
type linkState struct {
	cfg  chanConfig
	g    *Guest // the guest run of the guest side
	task *loop.Task

	started bool     // HostEnd.Started was called
	startEv sc.Event // set by Started, or when the host task ends first

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

// endedLink reports whether err is the cancellation of the link's scope
// by a host task that ended badly: the guest's waits then report the
// host's end rather than a bare cancellation.
func (s *linkState) endedLink(err error) bool {
	return s.hostDone() && s.scope.CancelCalled() && errors.Is(err, sc.ErrCancelled)
}

// guestQueue is a guest-side receiving queue: the channel's sc.Inbox, or
// one of its sc.Subscriptions.
type guestQueue[T any] interface {
	TryReceive() (T, bool)
	Receive(ctx context.Context) (T, error)
	Len() int
}

// receive takes the next host-to-guest value from q for a guest task.
// Values queued before the host task ended are still delivered; then the
// end error (the inbox is closed with it). A queue found empty is spun on
// (see spin) before the task parks in it, so a host task that answers
// within a turn or two costs no trip through the guest's waiter.
func receive[T any](ctx context.Context, st *linkState, q guestQueue[T]) (T, error) {
	var zero T
	if ctx.Err() != nil {
		// Cancelled: the checkpoint returns the right error, unless the
		// cancel is the host's end, which is reported below.
		if err := sc.Checkpoint(ctx); err != nil && !st.endedLink(err) {
			return zero, err
		}
	}
	var sp spin
	for !st.hostDone() && q.Len() == 0 {
		ok, err := sp.guestSpin(ctx, st.g)
		if !ok {
			break
		}
		if err != nil && !st.endedLink(err) {
			return zero, err
		}
		if v, ok := q.TryReceive(); ok {
			return v, nil
		}
	}
	if v, ok := q.TryReceive(); ok {
		return v, nil // without a schedule point, as documented
	}
	v, err := q.Receive(ctx)
	if err != nil && st.endedLink(err) {
		// The host's end cancelled the body's scope: what is queued still
		// comes first, then the end.
		if v, ok := q.TryReceive(); ok {
			return v, nil
		}
		return zero, st.hostEnd
	}
	return v, err
}

// link is one OpenChannelFrom: both ends and their queues.
type link[H2G, G2H any] struct {
	linkState
	host  HostEnd[H2G, G2H]
	guest GuestEnd[H2G, G2H]

	startedVal H2G
	in         *sc.Inbox[H2G] // host -> guest values, and their subscriptions

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
// Host to guest, values go into a bounded guest-side queue, an sc.Inbox
// of the guest's runner (WithQueueSize), which GuestEnd.Subscribe fans
// out; guest to host into an unbounded host-side queue. Both ends are used
// from the loop's thread only (host code, host tasks, guest tasks), so
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
//     elsewhere stops), and OpenChannelFrom returns E (with the body's own
//     error after it, in an *sc.NurseryError, when that is another one).
//     Before Started, the wait for the started value fails with E.
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
//   - the host task fails with E after the guest side left (say while it
//     handled the cancel): OpenChannelFrom returns the body's outcome,
//     then E, in an *sc.NurseryError, so a scope absorbing the
//     cancellation still lets E through. RunHostTask orders its errors
//     the same way.
//
// Errors in the arguments (nil funcs, a bad option, a misplaced call) are
// returned before anything starts.
func OpenChannelFrom[H2G, G2H any](ctx context.Context,
	host func(ctx context.Context, ch *HostEnd[H2G, G2H]) error,
	body func(ctx context.Context, ch *GuestEnd[H2G, G2H], started H2G) error,
	opts ...ChannelOption,
) error {
	g, l, err := hostLoop(ctx, "OpenChannelFrom")
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
	k.g = g
	k.host.k = k
	k.guest.k = k
	k.in = sc.NewInbox[H2G](g.Runner(), cfg.queue)
	err = k.scope.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
		k.task = l.Spawn(cfg.name, func(ctx context.Context) error { return host(ctx, &k.host) })
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
	var sp spin
	for {
		if k.started {
			return k.startedVal, nil
		}
		if k.hostDone() {
			if k.hostKind == endReturned {
				return zero, fmt.Errorf("bridge: OpenChannelFrom: %w before calling Started", ErrHostExited)
			}
			return zero, k.hostEnd
		}
		if err := sp.guest(ctx, k.g, k.startEv.Wait); err != nil {
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
	if !k.guestLeft {
		// Receivers drain what is queued, then get the end. This is host
		// code on the loop's goroutine, which drives the guest: the inbox
		// takes it.
		_ = k.in.Close(k.hostEnd)
	}
	k.startEv.Set()
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
	_ = k.in.Close(errLinkClosed) // a no-op when the host's end closed it
	if k.task == nil || k.hostDone() {
		return
	}
	if w := k.hwait; w == nil || !w.SetError(k.relay) {
		// Parked elsewhere, or runnable: cancel it, with the relay error
		// as its ctx's cause; HostEnd turns the cancel into the relay
		// error where it can.
		k.cancelledIt = true
		k.task.CancelWithCause(k.relay)
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
// When both sides failed, both errors come out, in the order they
// happened (see inOrder): the host's first when it ended while the guest
// side was still in the link, the body's first when the host task failed
// after the guest side had left.
func (k *link[H2G, G2H]) outcome(bodyErr error) error {
	herr := k.hostErr
	// A host error that is only the echo of the guest leaving (the relay,
	// or the cancel the guest caused) is no news for the guest.
	echo := errors.Is(herr, loop.ErrCancelled) || errors.Is(herr, ErrGuestExited) || errors.Is(herr, ErrGuestCrashed)
	switch {
	case k.graceful(bodyErr):
		return nil
	case k.hostKind == endFailed:
		if errors.Is(bodyErr, herr) {
			return bodyErr // the body returned what its receive reported
		}
		return inOrder(herr, bodyErr)
	case k.hostKind == endStopped && herr != nil && !echo:
		return inOrder(bodyErr, herr)
	case bodyErr != nil:
		return bodyErr
	case k.hostKind == endCancelled:
		return k.hostEnd
	}
	return nil
}
