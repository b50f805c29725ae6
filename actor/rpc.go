package actor

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// The runtime's own endpoints, in namespace "self" of a Start.
const (
	nsSelf         = "self"
	selfCancel     = "cancel"     // cancel the whole actor; acked before it goes
	selfCancelTask = "cancelTask" // cancel one request being served; args: its cid
)

// rpc is one request being served. Runner-owned.
type rpc struct {
	scope     *sc.CancelScope
	canceller ActorID // who cancelled it, when someone did
}

// cancel cancels the request on behalf of by (the first canceller stays).
func (r *rpc) cancel(by ActorID) {
	if r.canceller.IsZero() {
		r.canceller = by
	}
	r.scope.Cancel()
}

// handleStart serves a Start from p. Runner-owned.
func (a *Actor) handleStart(p *peer, m *msg.Start) {
	if m.NS == nsSelf {
		a.handleSelf(p, m)
		return
	}
	if m.NS != "" {
		a.reply(p, msg.PackError(&NoEndpointError{Func: m.NS + "." + m.Func}, m.Cid, a.id))
		return
	}
	ep := lookupEndpoint(m.Func)
	if ep == nil {
		a.reply(p, msg.PackError(&NoEndpointError{Func: m.Func}, m.Cid, a.id))
		return
	}
	if _, dup := p.rpcs[m.Cid]; dup {
		a.reply(p, msg.PackError(&msg.InternalError{Message: "actor: duplicate dialog id " + m.Cid}, m.Cid, a.id))
		return
	}
	r := &rpc{scope: &sc.CancelScope{}}
	if a.cancelled {
		r.canceller = a.canceller
		a.reply(p, msg.PackError(&ContextCancelled{Canceller: a.canceller, Message: "actor " + a.id.String() + " is cancelled"}, m.Cid, a.id))
		return
	}
	p.rpcs[m.Cid] = r
	if err := a.svc.StartSoon("rpc "+m.Func, func(ctx context.Context) error {
		a.invoke(ctx, p, ep, m, r)
		return nil
	}); err != nil {
		delete(p.rpcs, m.Cid)
		a.reply(p, msg.PackError(&ContextCancelled{Canceller: a.id, Message: "actor " + a.id.String() + " is shutting down"}, m.Cid, a.id))
	}
}

// invoke runs one request in its own task and sends its outcome: Return
// with the value, or Error with the boxed error. A request cancelled by
// someone becomes a ContextCancelled naming them. It never fails the
// service nursery: the outcome belongs to the caller.
func (a *Actor) invoke(ctx context.Context, p *peer, ep *endpoint, m *msg.Start, r *rpc) {
	defer delete(p.rpcs, m.Cid)
	if err := a.reply(p, &msg.StartAck{Cid: m.Cid, FuncKind: ep.kind}); err != nil {
		return
	}
	var st *ctxState
	if ep.kind == msg.FuncContext {
		d := p.newDialog(m.Cid)
		st = &ctxState{a: a, p: p, d: d, name: ep.name, child: true, spec: ep.spec, rpc: r}
		d.st = st
		p.dialogs[m.Cid] = d
		defer d.close()
	}
	var raw msg.Raw
	err := r.scope.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
		var err error
		raw, err = ep.invoke(ctx, a.codec, m.Args, st)
		return err
	})
	cancelled := errors.Is(err, sc.ErrCancelled) || (err == nil && r.scope.CancelledCaught())
	switch {
	case cancelled:
		by := r.canceller
		if by.IsZero() {
			by = a.canceller
		}
		if by.IsZero() {
			by = a.id
		}
		a.logger.Log(ctx, LevelCancel, "actor: request cancelled", "actor", a.id.String(), "func", m.Func, "by", by.String())
		a.reply(p, msg.PackError(&ContextCancelled{Canceller: by, Message: fmt.Sprintf("%q in %v was cancelled", m.Func, a.id)}, m.Cid, a.id))
	case err != nil:
		a.debugCrash(ctx, err) // a post-mortem here, before the caller hears of it
		e := msg.PackError(err, m.Cid, a.id)
		if e.StackText == "" {
			// The error carries no stack of its own: the serving task's
			// stack at least names the endpoint and the actor.
			e.StackText = string(debug.Stack())
		}
		a.reply(p, e)
	default:
		a.reply(p, &msg.Return{Cid: m.Cid, Pld: raw})
	}
}

// reply sends m to p; a lost peer is logged, not returned to anyone, as
// nobody is left to tell.
func (a *Actor) reply(p *peer, m msg.Msg) error {
	err := p.send(m)
	if err != nil {
		a.logger.Log(context.Background(), LevelTransport, "actor: reply not sent", "actor", a.id.String(), "peer", p.id.String(), "kind", m.Kind().String(), "err", err)
	}
	return err
}

// handleSelf serves the runtime's own requests. Runner-owned.
func (a *Actor) handleSelf(p *peer, m *msg.Start) {
	switch m.Func {
	case selfCancel:
		// Ack first: the ack must leave before the actor's channels close.
		a.reply(p, &msg.CancelAck{Cid: m.Cid, Pld: rawTrue})
		a.cancel(p.id, "cancel request")
	case selfCancelTask:
		cid, err := decodeArg[string](a.codec, m.Args, msg.SpecFor[string]())
		if err != nil {
			a.reply(p, msg.PackError(err, m.Cid, a.id))
			return
		}
		found := false
		if r := p.rpcs[cid]; r != nil {
			r.cancel(p.id)
			found = true
		}
		ack := rawFalse
		if found {
			ack = rawTrue
		}
		a.reply(p, &msg.CancelAck{Cid: m.Cid, Pld: ack})
	case selfReady:
		if c := p.child; c != nil {
			c.ready = true
			c.readyEv.Set()
		}
	default:
		if a.handleRegistry(p, m) {
			return
		}
		a.reply(p, msg.PackError(&NoEndpointError{Func: nsSelf + "." + m.Func}, m.Cid, a.id))
	}
}

// msgpack true and false.
var (
	rawTrue  = msg.Raw{0xc3}
	rawFalse = msg.Raw{0xc2}
)
