package actor

import (
	"context"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// The registry's own requests, in namespace "self" (see rpc.go). Entries
// travel as [name, uid, addr] string triples.
const (
	selfRegister   = "register"   // args: entry; reply: true
	selfUnregister = "unregister" // args: uid; reply: true
	selfFind       = "find"       // args: name; reply: an entry or nil
	selfWaitFor    = "waitFor"    // args: name; reply: an entry, once one is registered
	selfDeleteAddr = "deleteAddr" // args: [uid, addr]; reply: true. A lookup found nothing there
	selfReady      = "ready"      // a child to its parent: registered, serving
)

// regEntry is one registered actor.
type regEntry struct {
	id   ActorID
	addr string
	via  *peer // the connection it registered over; nil for the registry itself
}

func (e regEntry) triple() []string { return []string{e.id.Name, e.id.UID, e.addr} }

func entryOf(v any) (regEntry, bool) {
	xs, ok := v.([]any)
	if !ok || len(xs) != 3 {
		return regEntry{}, false
	}
	var s [3]string
	for i, x := range xs {
		if s[i], ok = x.(string); !ok {
			return regEntry{}, false
		}
	}
	return regEntry{id: ActorID{Name: s[0], UID: s[1]}, addr: s[2]}, true
}

// registrar is the registry actor's table of the tree's actors: every
// actor registers when it starts serving and is removed when it
// unregisters or the connection it registered over ends, whatever the
// exit path. An entry whose address refuses connections (its actor died
// without the registry noticing, on another host say) is deleted by the
// lookup that finds it so. Lookups match by name only. Runner-owned.
type registrar struct {
	byUID   map[string]regEntry
	waiters map[string]*sc.Event // by name: set when one registers
}

func newRegistrar() *registrar {
	return &registrar{byUID: map[string]regEntry{}, waiters: map[string]*sc.Event{}}
}

func (r *registrar) add(e regEntry) {
	r.byUID[e.id.UID] = e
	if ev := r.waiters[e.id.Name]; ev != nil {
		delete(r.waiters, e.id.Name)
		ev.Set()
	}
}

func (r *registrar) remove(uid string) { delete(r.byUID, uid) }

// removeStale removes the entry of uid if it still has addr: a lookup
// found no actor there, and the actor may since have registered anew.
func (r *registrar) removeStale(uid, addr string) {
	if e, ok := r.byUID[uid]; ok && e.addr == addr {
		delete(r.byUID, uid)
	}
}

// dropPeer removes what registered over p.
func (r *registrar) dropPeer(p *peer) {
	for uid, e := range r.byUID {
		if e.via == p {
			delete(r.byUID, uid)
		}
	}
}

func (r *registrar) find(name string) (regEntry, bool) {
	for _, e := range r.byUID {
		if e.id.Name == name {
			return e, true
		}
	}
	return regEntry{}, false
}

// waitFor parks the task until an actor named name is registered.
func (r *registrar) waitFor(ctx context.Context, name string) (regEntry, error) {
	for {
		if e, ok := r.find(name); ok {
			return e, nil
		}
		ev := r.waiters[name]
		if ev == nil {
			ev = &sc.Event{}
			r.waiters[name] = ev
		}
		if err := ev.Wait(ctx); err != nil {
			return regEntry{}, err
		}
	}
}

// handleRegistry serves the registry's requests from p; it reports false
// for a name it does not know. Runner-owned.
func (a *Actor) handleRegistry(p *peer, m *msg.Start) bool {
	switch m.Func {
	case selfRegister, selfUnregister, selfDeleteAddr, selfFind, selfWaitFor:
	default:
		return false
	}
	if a.reg == nil {
		a.reply(p, msg.PackError(&NoEndpointError{Func: nsSelf + "." + m.Func + " (not a registry)"}, m.Cid, a.id))
		return true
	}
	v, err := a.codec.DecodePayload(&msg.Return{Pld: m.Args}, msg.Any)
	if err != nil {
		a.reply(p, msg.PackError(err, m.Cid, a.id))
		return true
	}
	switch m.Func {
	case selfRegister:
		e, ok := entryOf(v)
		if ok {
			e.via = p
			a.reg.add(e)
		}
		a.replyValue(p, m.Cid, ok)
	case selfUnregister:
		uid, _ := v.(string)
		a.reg.remove(uid)
		a.replyValue(p, m.Cid, true)
	case selfDeleteAddr:
		xs, _ := v.([]any)
		if len(xs) == 2 {
			uid, _ := xs[0].(string)
			addr, _ := xs[1].(string)
			a.reg.removeStale(uid, addr)
		}
		a.replyValue(p, m.Cid, true)
	case selfFind:
		name, _ := v.(string)
		if e, ok := a.reg.find(name); ok {
			a.replyValue(p, m.Cid, e.triple())
		} else {
			a.replyValue(p, m.Cid, nil)
		}
	case selfWaitFor:
		name, _ := v.(string)
		r := &rpc{scope: &sc.CancelScope{}}
		p.rpcs[m.Cid] = r
		err := a.svc.StartSoon("registry waitFor "+name, func(ctx context.Context) error {
			defer delete(p.rpcs, m.Cid)
			var e regEntry
			err := r.scope.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
				var err error
				e, err = a.reg.waitFor(ctx, name)
				return err
			})
			if err != nil || e.id.IsZero() {
				a.reply(p, msg.PackError(&ContextCancelled{Canceller: r.canceller, Message: "waiting for " + name}, m.Cid, a.id))
				return nil
			}
			a.replyValue(p, m.Cid, e.triple())
			return nil
		})
		if err != nil {
			delete(p.rpcs, m.Cid)
			a.reply(p, msg.PackError(&ContextCancelled{Canceller: a.id, Message: "registry shutting down"}, m.Cid, a.id))
		}
	}
	return true
}

// replyValue answers a runtime request with a plain value.
func (a *Actor) replyValue(p *peer, cid string, v any) {
	raw, err := a.codec.EncodePayload(v)
	if err != nil {
		a.reply(p, msg.PackError(err, cid, a.id))
		return
	}
	a.reply(p, &msg.Return{Cid: cid, Pld: raw})
}
