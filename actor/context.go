package actor

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// Errors of contexts and streams.
var (
	// ErrEndOfStream is returned by MsgStream.Receive once the other side
	// closed its sending side (and what it sent before is drained).
	ErrEndOfStream = errors.New("actor: end of stream")
	// ErrContextUsage is the category of context misuse: started twice, a
	// stream opened before started or opened twice, started called by the
	// opening side, a context opened with the actor itself.
	ErrContextUsage = errors.New("actor: context misuse")
)

// overrunSpill is how many stream items a side that allows overruns keeps
// beyond its mailbox (tractor's overflow deque).
const overrunSpill = 616

type ctxKey struct{}

// ctxState is one context dialog, on either side. Runner-owned.
type ctxState struct {
	a     *Actor
	p     *peer
	d     *dialog
	name  string // the endpoint
	child bool   // the serving side; false on the side that opened it
	spec  PayloadSpec

	started      bool
	streamOpen   bool
	sentStop     bool
	gotStop      bool
	cancelCalled bool
	drained      int             // stream items the result wait discarded (ctxcancel.go)
	final        msg.Msg         // a Return or Error met while streaming, kept for the result
	remoteErr    error           // an Error the peer sent mid-dialog (an overrun notice)
	overrun      error           // items from the peer were dropped: this side overran
	outcome      error           // the self-cancel acknowledgement, once seen
	rpc          *rpc            // serving side: the request's scope
	body         *sc.CancelScope // opening side: the scope of Open's body
}

// ContextFuncOf is a registered context endpoint: a function that talks
// with its caller for as long as it runs (tractor's @context functions).
// The serving side gets a *Context, reports a started value of type S
// once, may stream values of type Y both ways, and returns a result of
// type R. Make one with ContextFunc at init time.
type ContextFuncOf[A, S, Y, R any] struct {
	ep *endpoint
}

// ContextFunc registers fn under name as a context endpoint; the rules of
// Func apply. A, S, Y and R form the call's payload spec: a value of
// another type is a *MsgTypeError on the side that should see it (a
// started value is checked by its sender, stream items by their
// receiver).
func ContextFunc[A, S, Y, R any](name string, fn func(ctx context.Context, c *Context[S, Y], arg A) (R, error)) *ContextFuncOf[A, S, Y, R] {
	if fn == nil {
		panic(fmt.Sprintf("actor: ContextFunc %q: nil function", name))
	}
	spec := PayloadSpec{Arg: msg.SpecFor[A](), Started: msg.SpecFor[S](), Yield: msg.SpecFor[Y](), Result: msg.SpecFor[R]()}
	ep := &endpoint{name: name, kind: msg.FuncContext, spec: spec}
	ep.invoke = func(ctx context.Context, codec *msg.Codec, args msg.Raw, st *ctxState) (msg.Raw, error) {
		if st == nil {
			return nil, fmt.Errorf("%w: context endpoint %q called as a one-shot function", ErrContextUsage, name)
		}
		a, err := decodeArg[A](codec, args, spec.Arg)
		if err != nil {
			return nil, err
		}
		c := &Context[S, Y]{st: st}
		r, err := fn(context.WithValue(ctx, ctxKey{}, st), c, a)
		if err != nil {
			return nil, err
		}
		return encodePayload(codec, msg.KindReturn, r, spec.Result)
	}
	types := map[reflect.Type]msg.Option{}
	structOption[A](types)
	structOption[S](types)
	structOption[Y](types)
	structOption[R](types)
	register(ep, types)
	return &ContextFuncOf[A, S, Y, R]{ep: ep}
}

// Name returns the name the endpoint was registered under.
func (e *ContextFuncOf[A, S, Y, R]) Name() string { return e.ep.name }

// Spec returns the endpoint's payload spec.
func (e *ContextFuncOf[A, S, Y, R]) Spec() PayloadSpec { return e.ep.spec }

// Open opens a context with the endpoint in the actor behind p: it sends
// arg, waits for the endpoint's started value, runs body with the context
// and that value, then waits for the endpoint's result (discarding stream
// items nobody read) and returns it. When body opened the stream, the wait
// discards at most 6 unread items: an endpoint that streams on past that,
// to a side that has stopped reading, is cancelled as if body had called
// c.Cancel.
//
// An error from the endpoint is a *RemoteActorError. If body returns an
// error, the remote side is cancelled and Open returns body's error. If
// body called c.Cancel, the endpoint's acknowledgement (a ContextCancelled
// whose canceller is this actor) is not an error: Open returns the zero R
// and nil, and c.Outcome reports the ContextCancelled. A ContextCancelled
// caused by anyone else (the child cancelling itself, the child's actor
// being cancelled) is returned as the error. Opening a context with the
// calling actor itself is an error matching ErrContextUsage.
//
// With the AllowOverruns option, stream items that arrive faster than this
// side reads them are kept from the start of the dialog (not only once its
// stream is open).
func (e *ContextFuncOf[A, S, Y, R]) Open(ctx context.Context, p *Portal, arg A, body func(ctx context.Context, c *Context[S, Y], first S) error, opts ...ContextOption) (R, error) {
	var zero R
	if body == nil {
		return zero, errors.New("actor: Open: nil body")
	}
	if p == nil || p.a == nil {
		return zero, errors.New("actor: Open: zero Portal")
	}
	if _, err := actorOf(ctx, "Open"); err != nil {
		return zero, err
	}
	if p.p == nil {
		return zero, fmt.Errorf("%w: opening context %q with the actor itself", ErrContextUsage, e.ep.name)
	}
	var co ctxOpts
	for _, o := range opts {
		if o != nil {
			o.applyCtx(&co)
		}
	}
	st, first, err := p.openContext(ctx, e.ep, arg, co)
	if err != nil {
		return zero, err
	}
	defer st.d.close()
	c := &Context[S, Y]{st: st}
	s, _ := first.(S)
	// The body runs in a scope that the dialog's failure cancels: an
	// error from the other side, or the connection's loss. The failure
	// itself is then what the result wait returns.
	berr := st.body.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
		return body(context.WithValue(ctx, ctxKey{}, st), c, s)
	})
	if berr != nil {
		st.cancelRemote()
		return zero, berr
	}
	if st.streamOpen && !st.sentStop {
		st.sentStop = true
		_ = st.p.send(&msg.Stop{Cid: st.d.cid})
	}
	v, err := st.result(ctx)
	if err != nil || v == nil {
		return zero, err
	}
	r, _ := v.(R)
	return r, nil
}

// openContext sends the Start and waits for the started value.
func (pt *Portal) openContext(ctx context.Context, ep *endpoint, arg any, co ctxOpts) (*ctxState, any, error) {
	a := pt.a
	args, err := encodePayload(a.codec, msg.KindStart, arg, ep.spec.Arg)
	if err != nil {
		return nil, nil, err
	}
	d, err := pt.p.openDialog()
	if err != nil {
		return nil, nil, err
	}
	st := &ctxState{a: a, p: pt.p, d: d, name: ep.name, spec: ep.spec, body: &sc.CancelScope{}}
	d.st = st
	d.spillOK = co.allowOverruns
	if err := pt.p.send(&msg.Start{Cid: d.cid, Func: ep.name, Args: args, CallerUID: a.id.UID, PayloadSpec: ep.spec.Started.String()}); err != nil {
		d.close()
		return nil, nil, err
	}
	for {
		m, err := d.receive(ctx)
		if err != nil {
			if errors.Is(err, sc.ErrCancelled) {
				st.cancelRemote()
			}
			d.close()
			return nil, nil, err
		}
		switch m := m.(type) {
		case *msg.StartAck:
			if m.FuncKind != msg.FuncContext {
				st.cancelRemote()
				d.close()
				return nil, nil, fmt.Errorf("%w: %q in %v is a %v endpoint, not a context", ErrContextUsage, ep.name, pt.p.id, m.FuncKind)
			}
		case *msg.Started:
			v, err := a.codec.DecodePayload(m, ep.spec.Started)
			if err != nil {
				st.cancelRemote()
				d.close()
				return nil, nil, err
			}
			st.started = true
			return st, v, nil
		case *msg.Error:
			d.close()
			return nil, nil, msg.UnpackError(m)
		case *msg.Return:
			d.close()
			return nil, nil, fmt.Errorf("%w: context %q in %v returned without reporting started", ErrContextUsage, ep.name, pt.p.id)
		default:
			d.close()
			return nil, nil, &msg.InternalError{Message: fmt.Sprintf("actor: %s from %v before Started", m.Kind(), pt.p.id)}
		}
	}
}

// cancelRemote asks the serving side to cancel, without waiting.
func (st *ctxState) cancelRemote() {
	(&Portal{a: st.a, p: st.p}).requestTaskCancel(st.d.cid)
}

// next returns the next message of the dialog: one kept aside while
// streaming, else from the mailbox.
func (st *ctxState) next(ctx context.Context) (msg.Msg, error) {
	if m := st.final; m != nil {
		st.final = nil
		return m, nil
	}
	m, err := st.d.receive(ctx)
	if err == nil {
		st.d.taken++
		st.d.refill()
	}
	return m, err
}

// result drains the dialog to its final message (the opening side's wait
// for the result): stream items nobody read are discarded.
func (st *ctxState) result(ctx context.Context) (any, error) {
	for {
		m, err := st.next(ctx)
		if err != nil {
			if errors.Is(err, sc.ErrCancelled) {
				st.cancelRemote()
			}
			return nil, err
		}
		switch m := m.(type) {
		case *msg.Yield, *msg.Stop:
			st.discarded(ctx, m)
			continue
		case *msg.Return:
			if st.overrun != nil {
				return nil, st.overrun
			}
			return st.a.codec.DecodePayload(m, st.spec.Result)
		case *msg.Error:
			rae := msg.UnpackError(m)
			if st.selfCancelAck(rae) {
				return nil, nil
			}
			return nil, rae
		default:
			return nil, &msg.InternalError{Message: fmt.Sprintf("actor: %s from %v in context %q", m.Kind(), st.p.id, st.name)}
		}
	}
}

// failed ends the opening side's body because the dialog failed. Runner-
// owned.
func (st *ctxState) failed(err error) {
	if st.child || st.selfCancelAckPeek(err) {
		return
	}
	st.body.Cancel()
}

// selfCancelAckPeek is selfCancelAck without recording the outcome.
func (st *ctxState) selfCancelAckPeek(err error) bool {
	var cc *ContextCancelled
	return st.cancelCalled && errors.As(err, &cc) && cc.Canceller == st.a.id
}

// selfCancelAck reports whether err acknowledges this side's own Cancel
// (tractor's self-cancel rule); it then records it as the outcome.
func (st *ctxState) selfCancelAck(err error) bool {
	var cc *ContextCancelled
	if st.cancelCalled && errors.As(err, &cc) && cc.Canceller == st.a.id {
		st.outcome = cc
		return true
	}
	return false
}

// ContextOption configures ContextFuncOf.Open.
type ContextOption interface {
	applyCtx(*ctxOpts)
}

type ctxOpts struct {
	allowOverruns bool
}

type ctxOptionFunc func(*ctxOpts)

func (f ctxOptionFunc) applyCtx(o *ctxOpts) { f(o) }

// AllowOverruns lets the opening side fall behind a fast sender: up to 616
// items beyond the mailbox of 64 are kept instead of failing the dialog
// with a StreamOverrun.
func AllowOverruns() ContextOption {
	return ctxOptionFunc(func(o *ctxOpts) { o.allowOverruns = true })
}

// Context is one side of a context dialog: the serving side's first
// argument, and what Open hands the opening side's body. A zero Context is
// unusable. Its methods are for tasks of the actor that holds it.
type Context[S, Y any] struct {
	st *ctxState
}

// Peer returns the actor at the other end.
func (c *Context[S, Y]) Peer() ActorID { return c.st.p.id }

// Cid returns the dialog's id.
func (c *Context[S, Y]) Cid() string { return c.st.d.cid }

// Started reports v as the context's started value to the opening side.
// Only the serving side calls it, once: a second call, or a call on the
// opening side, is an error matching ErrContextUsage. v is checked against
// the started spec before it is sent (a *MsgTypeError here, on the side
// that made the mistake).
func (c *Context[S, Y]) Started(ctx context.Context, v S) error {
	st := c.st
	if !st.child {
		return fmt.Errorf("%w: Started called by the side that opened context %q", ErrContextUsage, st.name)
	}
	if st.started {
		return fmt.Errorf("%w: Started called twice in context %q", ErrContextUsage, st.name)
	}
	raw, err := st.a.codec.EncodeChecked(msg.KindStarted, v, st.spec.Started)
	if err != nil {
		return err
	}
	st.started = true
	return st.p.send(&msg.Started{Cid: st.d.cid, Pld: raw})
}

// Cancel cancels the context. On the opening side it asks the serving side
// to cancel and waits, shielded from ctx's cancellation and at most 616
// ms, for the serving actor to answer that it did (or that the request
// had already ended); the ContextCancelled that acknowledges it arrives as
// the context's outcome (see ContextFuncOf.Open). On the serving side it
// cancels the endpoint's own work: the opening side then sees a
// ContextCancelled saying the serving side cancelled itself.
func (c *Context[S, Y]) Cancel(ctx context.Context) {
	st := c.st
	st.cancelCalled = true
	if st.child {
		st.rpc.cancel(st.a.id)
		return
	}
	st.cancelRemoteAcked(ctx)
}

// Outcome returns, after Open has returned, the ContextCancelled that
// acknowledged this side's own Cancel, or nil.
func (c *Context[S, Y]) Outcome() error { return c.st.outcome }

// OpenStream opens the context's stream: values of type Y both ways. The
// serving side must have called Started first; a context has one stream.
// With allowOverruns, items that arrive faster than this side reads are
// kept (up to 616 beyond the mailbox of 64) instead of failing the sender
// with a StreamOverrun.
func (c *Context[S, Y]) OpenStream(ctx context.Context, allowOverruns bool) (*MsgStream[Y], error) {
	st := c.st
	if st.child && !st.started {
		return nil, fmt.Errorf("%w: stream opened before Started in context %q", ErrContextUsage, st.name)
	}
	if st.streamOpen {
		return nil, fmt.Errorf("%w: stream opened twice in context %q", ErrContextUsage, st.name)
	}
	if st.cancelCalled {
		return nil, fmt.Errorf("%w: stream opened after Cancel in context %q", ErrContextUsage, st.name)
	}
	st.streamOpen = true
	if allowOverruns {
		st.d.allowOverruns()
	}
	return &MsgStream[Y]{st: st}, nil
}

// CurrentContext returns the cid and peer of the innermost context ctx is
// inside (the serving side's endpoint, or an Open body), and false outside
// any. Contexts nest as ctx values do, so it is right inside nested
// contexts and after they end.
func CurrentContext(ctx context.Context) (cid string, peer ActorID, ok bool) {
	st, ok := ctx.Value(ctxKey{}).(*ctxState)
	if !ok {
		return "", ActorID{}, false
	}
	return st.d.cid, st.p.id, true
}
