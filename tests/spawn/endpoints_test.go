//go:build unix

package spawn_test

import (
	"context"
	"os"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
)

// boomError is the error type the failing endpoint raises; its name travels
// as the remote error's type.
type boomError struct{ what string }

func (e *boomError) Error() string { return "boom: " + e.what }

// The endpoints the tests' sub-actors serve. They are package variables, so
// they are registered at init in the parent and in every child alike.
var (
	echo = actor.Func("spawn.echo", func(ctx context.Context, s string) (string, error) { return s, nil })

	fail = actor.Func("spawn.fail", func(ctx context.Context, s string) (string, error) {
		return "", &boomError{s}
	})

	pid = actor.Func("spawn.pid", func(ctx context.Context, _ int) (int, error) { return os.Getpid(), nil })

	// exitNow ends the child's process with the given status, as a crash
	// outside the runtime would.
	exitNow = actor.Func("spawn.exit", func(ctx context.Context, code int) (int, error) {
		os.Exit(code)
		return 0, nil
	})

	// block waits until cancelled.
	block = actor.Func("spawn.block", func(ctx context.Context, _ int) (int, error) {
		return 0, sc.SleepForever(ctx)
	})

	// stubborn sleeps forever in a shielded scope: no cancellation reaches
	// it, only a signal ends its process.
	stubborn = actor.Func("spawn.stubborn", func(ctx context.Context, _ int) (int, error) {
		return 0, sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
			s.SetShield(true)
			return sc.SleepForever(ctx)
		})
	})

	// parentOf starts a grandchild and waits until cancelled.
	parentOf = actor.Func("spawn.parentOf", func(ctx context.Context, name string) (int, error) {
		return 0, actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			if _, err := n.StartActor(ctx, name); err != nil {
				return err
			}
			return sc.SleepForever(ctx)
		})
	})
)
