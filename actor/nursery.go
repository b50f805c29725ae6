package actor

import (
	"context"
	"errors"
	"fmt"

	"github.com/hitchrt/hitch/actor/sc"
)

// Nursery supervises sub-actors (tractor's ActorNursery): every sub-actor
// started in it is a process this actor waits for, and none outlives the
// nursery. OpenNursery makes one and hands it to its body; a zero Nursery
// is unusable. Its methods are for tasks of the actor that opened it.
//
// One failure ends them all: a body that returns an error, or a sub-actor
// whose process ends without being asked to, cancels the nursery, and every
// other sub-actor is stopped through the kill ladder (see
// Portal.CancelActor). The nursery then returns every error, each naming
// its child.
type Nursery struct {
	a        *Actor
	n        *sc.Nursery
	children []*child
}

// OpenNursery runs body with a new actor nursery and returns once body and
// every sub-actor started in it are done. Sub-actors serve until cancelled
// (Portal.CancelActor, Nursery.Cancel, or the nursery being cancelled), so
// a body that leaves sub-actors running keeps the nursery open until they
// are: cancel them before returning. ctx must belong to a task of an
// actor; without one the error matches ErrNoRuntime. The error is nil or
// an *sc.NurseryError holding every failure.
func OpenNursery(ctx context.Context, body func(ctx context.Context, n *Nursery) error) error {
	a, err := actorOf(ctx, "OpenNursery")
	if err != nil {
		return err
	}
	if body == nil {
		return errors.New("actor: OpenNursery: nil body")
	}
	an := &Nursery{a: a}
	return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
		an.n = n
		return body(ctx, an)
	})
}

// StartActor starts a sub-actor named name (a process running this
// program, or the one named by WithBinary) and returns its portal once the
// child has connected back, proven the tree's token and received its spawn
// spec. The options override the actor's defaults for this child. A child
// that cannot start fails with a *SpawnError (matching ErrSpawn) and
// leaves no process behind. Cancelling the caller during the start stops
// the child and returns the cancellation.
func (n *Nursery) StartActor(ctx context.Context, name string, opts ...Option) (*Portal, error) {
	if n == nil || n.a == nil {
		return nil, errors.New("actor: StartActor: zero Nursery (OpenNursery makes one)")
	}
	if _, err := actorOf(ctx, "StartActor"); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, errors.New("actor: StartActor: empty name")
	}
	cfg, err := n.a.cfg.build(forStart, opts)
	if err != nil {
		return nil, err
	}
	c, err := n.a.spawn(ctx, name, cfg)
	if err != nil {
		return nil, err
	}
	if err := n.n.StartSoon("supervise "+name, c.supervise); err != nil {
		// The nursery is closing: the child has nobody to supervise it.
		return nil, errors.Join(fmt.Errorf("actor: StartActor %q: %w", name, err), c.stop(ctx, "nursery closed"))
	}
	n.children = append(n.children, c)
	return &Portal{a: n.a, p: c.peer, child: c}, nil
}

// Cancel stops every sub-actor of the nursery through the kill ladder, in
// parallel, and returns once all their processes are gone. The nursery
// stays open: the body goes on and may start more.
func (n *Nursery) Cancel(ctx context.Context) error {
	if n == nil || n.a == nil {
		return errors.New("actor: Nursery.Cancel: zero Nursery (OpenNursery makes one)")
	}
	if _, err := actorOf(ctx, "Nursery.Cancel"); err != nil {
		return err
	}
	return shielded(ctx, func(ctx context.Context) error {
		return sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
			for _, c := range n.children {
				if c.exited {
					continue
				}
				sn.StartSoon("cancel "+c.id.Name, func(ctx context.Context) error {
					return c.stop(ctx, "Nursery.Cancel")
				})
			}
			return nil
		})
	})
}
