package infected

import (
	"context"
	"fmt"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/bridge"
)

// RunHostTask runs fn as a host task on the host loop of the infected
// actor whose task ctx belongs to, and waits for it: bridge.RunHostTask,
// after checking that the caller is an infected actor's task (errors
// matching ErrNotInfected otherwise). The outcomes, cancellation both ways
// and the error translation are bridge.RunHostTask's, except that a host
// task cancelled by host code comes out as a *HostCancelledError. An error
// fn returns, returned in turn from an endpoint, reaches the endpoint's
// caller as an *actor.RemoteActorError of its type.
func RunHostTask[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) (T, error) {
	if err := check(ctx, "RunHostTask"); err != nil {
		var zero T
		return zero, err
	}
	v, err := bridge.RunHostTask(ctx, fn)
	return v, boxHostCancelled(err)
}

// OpenChannelFrom runs host as a host task on the host loop of the
// infected actor whose task ctx belongs to, linked to body by a two-way
// channel: bridge.OpenChannelFrom, after checking that the caller is an
// infected actor's task (errors matching ErrNotInfected otherwise). Its
// relay of each side's end to the other is bridge.OpenChannelFrom's, with
// a host task cancelled by host code coming out as a *HostCancelledError.
func OpenChannelFrom[H2G, G2H any](ctx context.Context,
	host func(ctx context.Context, ch *bridge.HostEnd[H2G, G2H]) error,
	body func(ctx context.Context, ch *bridge.GuestEnd[H2G, G2H], started H2G) error,
	opts ...bridge.ChannelOption,
) error {
	if err := check(ctx, "OpenChannelFrom"); err != nil {
		return err
	}
	return boxHostCancelled(bridge.OpenChannelFrom(ctx, host, body, opts...))
}

// check fails unless ctx belongs to a task of an infected actor.
func check(ctx context.Context, op string) error {
	a, err := actor.Current(ctx)
	if err != nil {
		return fmt.Errorf("infected: %s: %w: %w", op, ErrNotInfected, err)
	}
	if !a.Infected() {
		return fmt.Errorf("infected: %s: actor %v runs natively, not as the guest of a host loop (start it with infected.Mode): %w", op, a.ID(), ErrNotInfected)
	}
	return nil
}
