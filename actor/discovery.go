package actor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"github.com/hitchrt/hitch/actor/ipc"
	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// ErrActorNotFound is returned by FindActor when no actor of that name is
// connected or registered.
var ErrActorNotFound = errors.New("actor: no actor of that name")

// FindActor returns a portal to an actor named name: this actor itself, an
// already-connected peer (the parent included) of that name, or else one
// the tree's registry knows, which it connects to. Names are matched
// exactly; with several actors of one name, any one of them is returned.
// It fails with an error matching ErrActorNotFound when there is none, and
// ErrNoRuntime outside an actor.
func FindActor(ctx context.Context, name string) (*Portal, error) {
	a, err := actorOf(ctx, "FindActor")
	if err != nil {
		return nil, err
	}
	return a.lookup(ctx, name, false)
}

// WaitForActor is FindActor that, when no actor of that name is known
// yet, parks the task until one registers. Cancelling the task ends the
// wait.
func WaitForActor(ctx context.Context, name string) (*Portal, error) {
	a, err := actorOf(ctx, "WaitForActor")
	if err != nil {
		return nil, err
	}
	return a.lookup(ctx, name, true)
}

func (a *Actor) lookup(ctx context.Context, name string, wait bool) (*Portal, error) {
	if name == a.id.Name {
		return &Portal{a: a}, nil
	}
	// Connected peers first: no registry round trip, and the parent is
	// found even when the registry is elsewhere.
	for _, p := range a.peers {
		if p.id.Name == name && !p.down {
			return &Portal{a: a, p: p, child: p.child}, nil
		}
	}
	// Each pass that meets a stale entry deletes it from the registry, so
	// the loop ends: with a live actor, with none (FindActor), or parked
	// until one registers (WaitForActor).
	for {
		e, found, err := a.query(ctx, name, wait)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("%w: %q", ErrActorNotFound, name)
		}
		if e.id.UID == a.id.UID {
			return &Portal{a: a}, nil
		}
		if p := a.peers[e.id.UID]; p != nil && !p.down {
			return &Portal{a: a, p: p, child: p.child}, nil
		}
		addr, err := ipc.ParseAddr(e.addr)
		if err != nil {
			return nil, fmt.Errorf("actor: registry entry for %v: %w", e.id, err)
		}
		p, err := a.dial(ctx, addr, e.id)
		if err == nil {
			return &Portal{a: a, p: p}, nil
		}
		if !isStale(err) {
			return nil, err
		}
		a.logger.Log(ctx, LevelRuntime, "actor: deleting a stale registry entry", "actor", a.id.String(), "entry", e.id.String(), "addr", e.addr, "err", err)
		if err := a.deleteStale(ctx, e); err != nil {
			return nil, err
		}
	}
}

// query asks the tree's registry for an actor named name: this actor's own
// table when it is the registry, else a request to it. With wait it parks
// until one is registered.
func (a *Actor) query(ctx context.Context, name string, wait bool) (regEntry, bool, error) {
	if a.reg != nil {
		if !wait {
			e, found := a.reg.find(name)
			return e, found, nil
		}
		e, err := a.reg.waitFor(ctx, name)
		return e, err == nil, err
	}
	rp, err := a.registryPeer(ctx)
	if err != nil {
		return regEntry{}, false, err
	}
	fn := selfFind
	if wait {
		fn = selfWaitFor
	}
	v, err := a.selfCall(ctx, rp, fn, name)
	if err != nil {
		return regEntry{}, false, err
	}
	e, found := entryOf(v)
	return e, found, nil
}

// errWrongActor is a dial's error when another actor answers at an
// address: the entry that led there is stale.
var errWrongActor = errors.New("actor: another actor answers at that address")

// isStale reports whether a dial's error shows that the registry entry it
// followed is stale: nothing listens at its address any more, or another
// actor does (of this tree, or of another that refuses our token). Other
// failures (a timeout, an unreachable host) may pass, so the entry is
// kept.
func isStale(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, os.ErrNotExist) ||
		errors.Is(err, errWrongActor) || errors.Is(err, ipc.ErrAuth)
}

// deleteStale removes entry e from the tree's registry, if it still holds
// that address for that actor.
func (a *Actor) deleteStale(ctx context.Context, e regEntry) error {
	if a.reg != nil {
		a.reg.removeStale(e.id.UID, e.addr)
		return nil
	}
	rp, err := a.registryPeer(ctx)
	if err != nil {
		return err
	}
	_, err = a.selfCall(ctx, rp, selfDeleteAddr, []string{e.id.UID, e.addr})
	return err
}

// dial connects to the actor want at addr and registers the channel.
func (a *Actor) dial(ctx context.Context, addr ipc.Addr, want ActorID) (*peer, error) {
	ch, err := a.dialChan(ctx, addr, want)
	if err != nil {
		return nil, err
	}
	return a.addDialed(ch), nil
}

// dialChan connects to the actor want at addr (any actor when want is
// zero), off the runner, and checks who answered.
func (a *Actor) dialChan(ctx context.Context, addr ipc.Addr, want ActorID) (*ipc.Channel, error) {
	var ch *ipc.Channel
	err := sc.ToGoroutine(ctx, func(gctx context.Context) error {
		dctx, cancel := context.WithTimeout(gctx, connectTimeout)
		defer cancel()
		c, err := ipc.Dial(dctx, addr, a.ipcOpts()...)
		if err != nil {
			return err
		}
		if !want.IsZero() && c.Peer().ID() != want {
			c.Close()
			return fmt.Errorf("%w: %v is %v, not %v", errWrongActor, addr, c.Peer().ID(), want)
		}
		ch = c
		return nil
	}, false)
	return ch, err
}

// registryPeer returns a connection to the tree's registry: a connected
// peer that announced itself as the registry, else a new connection to
// the first registry address.
func (a *Actor) registryPeer(ctx context.Context) (*peer, error) {
	for _, p := range a.peers {
		if p.ch.Peer().IsRegistry && !p.down {
			return p, nil
		}
	}
	if len(a.regAddrs) == 0 {
		return nil, fmt.Errorf("actor: %v knows no registry address", a.id)
	}
	addr, err := ipc.ParseAddr(a.regAddrs[0])
	if err != nil {
		return nil, fmt.Errorf("actor: registry address: %w", err)
	}
	return a.dial(ctx, addr, ActorID{})
}

// selfCall runs one of the runtime's own requests on p and returns its
// value, decoded without a spec.
func (a *Actor) selfCall(ctx context.Context, p *peer, fn string, arg any) (any, error) {
	args, err := a.codec.EncodePayload(arg)
	if err != nil {
		return nil, err
	}
	d, err := p.openDialog()
	if err != nil {
		return nil, err
	}
	defer d.close()
	if err := p.send(&msg.Start{Cid: d.cid, NS: nsSelf, Func: fn, Args: args, CallerUID: a.id.UID}); err != nil {
		return nil, err
	}
	for {
		m, err := d.receive(ctx)
		if err != nil {
			if errors.Is(err, sc.ErrCancelled) && fn == selfWaitFor {
				(&Portal{a: a, p: p}).requestTaskCancel(d.cid)
			}
			return nil, err
		}
		switch m := m.(type) {
		case *msg.StartAck:
			continue
		case *msg.Return, *msg.CancelAck:
			return a.codec.DecodePayload(m, msg.Any)
		case *msg.Error:
			return nil, msg.UnpackError(m)
		default:
			return nil, &msg.InternalError{Message: fmt.Sprintf("actor: %s from %v answering %s.%s", m.Kind(), p.id, nsSelf, fn)}
		}
	}
}

// register enters this actor in the tree's registry and waits for the
// answer, so it is findable once its parent hears it is ready.
func (a *Actor) register(ctx context.Context) error {
	rp, err := a.registryPeer(ctx)
	if err != nil {
		return err
	}
	_, err = a.selfCall(ctx, rp, selfRegister, regEntry{id: a.id, addr: advertised(a.addr, rp.ch.LocalAddr()).String()}.triple())
	return err
}

// advertised returns the address others reach addr at: addr itself,
// unless it listens on every interface (0.0.0.0, ::), which no other host
// can dial; then the host of local, this end of the connection to the
// registry, is one they can.
func advertised(addr ipc.Addr, local net.Addr) ipc.Addr {
	if addr.Network != "tcp" {
		return addr
	}
	host, port, err := net.SplitHostPort(addr.Address)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		return addr
	}
	tcp, ok := local.(*net.TCPAddr)
	if !ok || tcp.IP == nil {
		return addr
	}
	return ipc.TCP(net.JoinHostPort(tcp.IP.String(), port))
}

// unregister removes this actor from the registry on the way out, without
// waiting: the registry also forgets it when the connection ends.
func (a *Actor) unregister() {
	if a.reg != nil {
		return
	}
	for _, p := range a.peers {
		if p.ch.Peer().IsRegistry && !p.down {
			if args, err := a.codec.EncodePayload(a.id.UID); err == nil {
				_ = p.send(&msg.Start{Cid: a.newID(), NS: nsSelf, Func: selfUnregister, Args: args, CallerUID: a.id.UID})
			}
			return
		}
	}
}
