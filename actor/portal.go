package actor

import (
	"context"
	"errors"
	"fmt"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// Portal is this actor's handle on another actor: calls made through it
// run in that actor. A Portal is made by Nursery.StartActor (and later by
// discovery); a zero Portal is unusable. Its methods are for tasks of the
// actor that made it, with the ctx those tasks received.
type Portal struct {
	a     *Actor
	p     *peer
	child *child // set when the portal's actor is our sub-actor
}

// Peer returns the name and uid of the actor behind the portal.
func (pt *Portal) Peer() ActorID {
	if pt.p == nil {
		return pt.a.id
	}
	return pt.p.id
}

// IsLocal reports whether the portal leads to the calling actor itself
// (as FindActor returns for the actor's own name); its calls run in the
// calling task.
func (pt *Portal) IsLocal() bool { return pt.a != nil && pt.p == nil }

// PID returns the process id of the actor behind the portal when it is a
// sub-actor of this process, else 0.
func (pt *Portal) PID() int {
	if pt.child == nil {
		return 0
	}
	return pt.child.pid
}

// Run calls the endpoint registered as name in the portal's actor with
// arg, and returns its result decoded without a spec (integers as int64,
// maps as map[any]any, ...). Endpoint.Run is the typed form.
//
// Run parks the calling task until the result arrives. An error raised by
// the endpoint comes back as a *RemoteActorError naming the source actor
// and carrying its stack text; a name nobody registered is one too, whose
// local error matches ErrNoEndpoint. A connection lost before the result
// is an error matching ipc.ErrClosed that names the peer. If the
// calling task is cancelled, Run asks the remote side to cancel the
// request (without waiting for it) and returns the cancellation.
func (pt *Portal) Run(ctx context.Context, name string, arg any) (any, error) {
	return pt.run(ctx, name, arg, msg.Any)
}

func (pt *Portal) run(ctx context.Context, name string, arg any, spec msg.Spec) (any, error) {
	if pt == nil || pt.a == nil {
		return nil, errors.New("actor: Portal.Run: zero Portal (Nursery.StartActor makes one)")
	}
	a := pt.a
	if _, err := actorOf(ctx, "Portal.Run"); err != nil {
		return nil, err
	}
	args, err := encodePayload(a.codec, msg.KindStart, arg, msg.Any)
	if err != nil {
		return nil, err
	}
	if pt.p == nil {
		return pt.runLocal(ctx, name, args, spec)
	}
	d, err := pt.p.openDialog()
	if err != nil {
		return nil, err
	}
	defer d.close()
	if err := pt.p.send(&msg.Start{Cid: d.cid, Func: name, Args: args, CallerUID: a.id.UID, PayloadSpec: spec.String()}); err != nil {
		return nil, err
	}
	for {
		m, err := d.receive(ctx)
		if err != nil {
			if errors.Is(err, sc.ErrCancelled) {
				pt.requestTaskCancel(d.cid)
			}
			return nil, err
		}
		switch m := m.(type) {
		case *msg.StartAck:
			continue
		case *msg.Return:
			return a.codec.DecodePayload(m, spec)
		case *msg.Error:
			return nil, msg.UnpackError(m)
		default:
			return nil, &msg.InternalError{Message: fmt.Sprintf("actor: %s from %v in a one-shot call of %q", m.Kind(), pt.p.id, name)}
		}
	}
}

// runLocal runs an endpoint of this actor in the calling task, with the
// same payload checks as a remote call; its error comes back as is.
func (pt *Portal) runLocal(ctx context.Context, name string, args msg.Raw, spec msg.Spec) (any, error) {
	ep := lookupEndpoint(name)
	if ep == nil {
		return nil, &NoEndpointError{Func: name}
	}
	raw, err := ep.invoke(ctx, pt.a.codec, args, nil)
	if err != nil {
		return nil, err
	}
	return pt.a.codec.DecodePayload(&msg.Return{Pld: raw}, spec)
}

// requestTaskCancel asks the peer to cancel the request of dialog cid,
// without waiting for the answer.
func (pt *Portal) requestTaskCancel(cid string) {
	args, err := pt.a.codec.EncodePayload(cid)
	if err != nil {
		return
	}
	d, err := pt.p.openDialog()
	if err != nil {
		return
	}
	// The ack is not awaited: forget the dialog at once.
	d.close()
	_ = pt.p.send(&msg.Start{Cid: d.cid, NS: nsSelf, Func: selfCancelTask, Args: args, CallerUID: pt.a.id.UID})
}

// CancelActor cancels the portal's actor and returns once its process is
// gone: a graceful cancel request first, acknowledged within the cancel
// timeout; then, if the process has not exited within the kill grace,
// SIGTERM; then, after the grace again, SIGKILL with an error log line
// naming the child. It runs shielded from the caller's cancellation, so a
// cancelled caller still never leaves a process behind. Repeat and
// concurrent calls wait for the same exit. It is for sub-actors of this
// process; for other actors it returns an error.
func (pt *Portal) CancelActor(ctx context.Context) error {
	if pt == nil || pt.a == nil {
		return errors.New("actor: Portal.CancelActor: zero Portal (Nursery.StartActor makes one)")
	}
	if _, err := actorOf(ctx, "Portal.CancelActor"); err != nil {
		return err
	}
	if pt.child == nil {
		return fmt.Errorf("actor: Portal.CancelActor: %v is not a sub-actor of %v", pt.Peer(), pt.a.id)
	}
	return pt.child.stop(ctx, "Portal.CancelActor")
}
