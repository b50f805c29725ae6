package actor

import (
	"context"
	"time"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// The opening side's bounds on ending a context (tractor's constants).
const (
	// ctxCancelTimeout bounds Context.Cancel's wait for the serving
	// actor's answer to the cancel request.
	ctxCancelTimeout = 616 * time.Millisecond
	// drainLimit is how many stream items the result wait discards, once
	// this side has opened and closed its stream, before it stops
	// waiting for the serving side to end by itself and cancels it.
	drainLimit = 6
)

// cancelRemoteAcked asks the serving side to cancel and waits, shielded
// from the caller's cancellation and at most ctxCancelTimeout, for its
// actor's answer: the request was cancelled, or had already ended. It
// reports whether the answer came. A serving actor too busy to answer in
// time is left to answer later; the cancel still reaches it.
func (st *ctxState) cancelRemoteAcked(ctx context.Context) bool {
	a, p := st.a, st.p
	args, err := a.codec.EncodePayload(st.d.cid)
	if err != nil {
		return false
	}
	acked := a.requestAcked(ctx, p, selfCancelTask, args, ctxCancelTimeout)
	if !acked {
		a.logger.Log(ctx, LevelCancel, "actor: no answer to a context's cancel request in time", "actor", a.id.String(), "peer", p.id.String(), "func", st.name, "timeout", ctxCancelTimeout)
	}
	return acked
}

// requestAcked sends one of the runtime's cancel requests (fn, with args)
// to p and waits, shielded and at most timeout, for its CancelAck; it
// reports whether the ack came before the timeout or the channel's end.
func (a *Actor) requestAcked(ctx context.Context, p *peer, fn string, args msg.Raw, timeout time.Duration) bool {
	d, err := p.openDialog()
	if err != nil {
		return false
	}
	defer d.close()
	if err := p.send(&msg.Start{Cid: d.cid, NS: nsSelf, Func: fn, Args: args, CallerUID: a.id.UID}); err != nil {
		return false
	}
	acked := false
	_ = shielded(ctx, func(ctx context.Context) error {
		return sc.MoveOnAfter(ctx, timeout, func(ctx context.Context) error {
			m, err := d.receive(ctx)
			if err != nil {
				return err
			}
			_, acked = m.(*msg.CancelAck)
			return nil
		})
	})
	return acked
}

// discarded counts a stream item the result wait threw away. Once this
// side has closed its stream, the serving side may send a few items more
// before it sees that, then return; past drainLimit it is streaming to
// nobody, so it is cancelled as Context.Cancel would (without waiting:
// the wait reads on, for the acknowledgement or a result that raced it).
// Runner-owned.
func (st *ctxState) discarded(ctx context.Context, m msg.Msg) {
	if _, ok := m.(*msg.Yield); !ok || !st.streamOpen || st.cancelCalled {
		return
	}
	st.drained++
	if st.drained <= drainLimit {
		return
	}
	st.a.logger.Log(ctx, LevelCancel, "actor: cancelling a context that streams on after its result was asked for", "actor", st.a.id.String(), "peer", st.p.id.String(), "func", st.name, "discarded", st.drained)
	st.cancelCalled = true
	st.cancelRemote()
}
