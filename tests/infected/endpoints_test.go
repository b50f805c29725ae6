//go:build unix

package infected_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/infected"
	"github.com/hitchrt/hitch/loop"
)

// hostError is the error type host tasks fail with; its name travels as
// the remote error's type.
type hostError struct{ what string }

func (e *hostError) Error() string { return "host task failed: " + e.what }

// witnesses is how an actor says whether it is infected: its own flag,
// its runtime variable (from a task and from a plain goroutine), and its
// command line.
type witnesses struct {
	Actor, Var, ProcessVar, CommandLine bool
}

func (w witnesses) all(v bool) bool {
	return w.Actor == v && w.Var == v && w.ProcessVar == v && w.CommandLine == v
}

// The endpoints the tests' sub-actors serve, registered at init in the
// parent and in every child alike.
var (
	witness = actor.Func("infected.witness", func(ctx context.Context, _ int) (witnesses, error) {
		a, err := actor.Current(ctx)
		if err != nil {
			return witnesses{}, err
		}
		w := witnesses{Actor: a.Infected(), Var: a.Vars().Infected, CommandLine: slices.Contains(os.Args, "-hitch-infected")}
		err = sc.ToGoroutine(ctx, func(context.Context) error {
			v, ok := actor.ProcessVars()
			if !ok {
				return errors.New("no ProcessVars in a running actor")
			}
			w.ProcessVar = v.Infected
			return nil
		}, false)
		return w, err
	})

	// witnessBelow starts a grandchild, infected when asked, and returns
	// its witnesses.
	witnessBelow = actor.Func("infected.witnessBelow", func(ctx context.Context, asked bool) (witnesses, error) {
		var w witnesses
		err := actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			var opts []actor.Option
			if asked {
				opts = append(opts, infected.Mode())
			}
			p, err := n.StartActor(ctx, "grandchild", opts...)
			if err != nil {
				return err
			}
			if w, err = witness.Run(ctx, p, 0); err != nil {
				return err
			}
			return p.CancelActor(ctx)
		})
		return w, err
	})

	// tryHost calls both host-loop calls and returns their errors' texts;
	// it fails unless both errors match infected.ErrNotInfected.
	tryHost = actor.Func("infected.tryHost", func(ctx context.Context, _ int) ([]string, error) {
		_, err1 := infected.RunHostTask(ctx, func(context.Context) (int, error) { return 1, nil })
		err2 := infected.OpenChannelFrom(ctx,
			func(ctx context.Context, ch *bridge.HostEnd[int, int]) error { return ch.Started(1) },
			func(context.Context, *bridge.GuestEnd[int, int], int) error { return nil })
		if !errors.Is(err1, infected.ErrNotInfected) || !errors.Is(err2, infected.ErrNotInfected) {
			return nil, fmt.Errorf("RunHostTask: %v; OpenChannelFrom: %v; want both to match ErrNotInfected", err1, err2)
		}
		return []string{err1.Error(), err2.Error()}, nil
	})

	// hostFail runs a host task that fails with a *hostError, or cancels
	// itself when arg is "cancel".
	hostFail = actor.Func("infected.hostFail", func(ctx context.Context, how string) (int, error) {
		return infected.RunHostTask(ctx, func(ctx context.Context) (int, error) {
			if how == "cancel" {
				loop.CurrentTask(ctx).Cancel()
				return 0, loop.Sleep(ctx, 0)
			}
			return 0, &hostError{how}
		})
	})

	// hostTimeout waits for a host task that runs forever under a guest
	// timeout of ms milliseconds, and reports whether the host task ended.
	hostTimeout = actor.Func("infected.hostTimeout", func(ctx context.Context, ms int) (string, error) {
		var hostEnded bool
		err := sc.MoveOnAfter(ctx, msec(ms), func(ctx context.Context) error {
			_, err := infected.RunHostTask(ctx, func(ctx context.Context) (int, error) {
				defer func() { hostEnded = true }()
				return 0, forever(ctx)
			})
			return err
		})
		if err != nil {
			return "", err
		}
		if !hostEnded {
			return "", errors.New("RunHostTask returned while its host task still ran")
		}
		return "moved on", nil
	})

	// hostForever reports started, then waits for a host task that runs
	// until it is cancelled.
	hostForever = actor.ContextFunc("infected.hostForever", func(ctx context.Context, c *actor.Context[string, int], _ int) (int, error) {
		if err := c.Started(ctx, "running"); err != nil {
			return 0, err
		}
		return infected.RunHostTask(ctx, func(ctx context.Context) (int, error) { return 0, forever(ctx) })
	})

	// echo relays the stream's strings through a host task, which echoes
	// them back, until the sentinel "stop", after which it leaves; it
	// returns how many it echoed.
	echo = actor.ContextFunc("infected.echo", func(ctx context.Context, c *actor.Context[string, string], _ int) (int, error) {
		n := 0
		err := infected.OpenChannelFrom(ctx, echoHost("ready"), func(ctx context.Context, ch *bridge.GuestEnd[string, string], ready string) error {
			if err := c.Started(ctx, ready); err != nil {
				return err
			}
			s, err := c.OpenStream(ctx, false)
			if err != nil {
				return err
			}
			for v, err := range s.All(ctx) {
				if err != nil {
					return err
				}
				if err := ch.Send(ctx, v); err != nil {
					return err
				}
				back, err := ch.Receive(ctx)
				if err != nil {
					return err
				}
				if err := s.Send(ctx, back); err != nil {
					return err
				}
				if back == "stop" {
					return nil
				}
				n++
			}
			return nil
		})
		return n, err
	})

	// lifetime arranges for the file at path to be deleted when the actor
	// ends, reports started, and then waits until cancelled: as "idle" a
	// guest task, as "host" in a host task, as "shielded" in a guest
	// task's shielded scope that ends by itself 300 ms later.
	lifetime = actor.ContextFunc("infected.lifetime", func(ctx context.Context, c *actor.Context[int, int], args []string) (int, error) {
		a, err := actor.Current(ctx)
		if err != nil {
			return 0, err
		}
		path, how := args[0], args[1]
		a.OnExit(func(context.Context) error { return os.Remove(path) })
		switch how {
		case "host":
			if err := c.Started(ctx, os.Getpid()); err != nil {
				return 0, err
			}
			return infected.RunHostTask(ctx, func(ctx context.Context) (int, error) { return 0, forever(ctx) })
		case "shielded":
			err := sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
				s.SetShield(true)
				if err := c.Started(ctx, os.Getpid()); err != nil {
					return err
				}
				return sc.Sleep(ctx, msec(300))
			})
			if err != nil {
				return 0, err
			}
		default:
			if err := c.Started(ctx, os.Getpid()); err != nil {
				return 0, err
			}
		}
		return 0, sc.SleepForever(ctx)
	})

	// stubborn reports started from a shielded scope that never ends.
	stubborn = actor.ContextFunc("infected.stubborn", func(ctx context.Context, c *actor.Context[int, int], _ int) (int, error) {
		return 0, sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
			s.SetShield(true)
			if err := c.Started(ctx, os.Getpid()); err != nil {
				return err
			}
			return sc.SleepForever(ctx)
		})
	})
)

// echoHost is a host side that reports ready as its started value, then
// sends back what the guest sends, until the guest leaves.
func echoHost[T any](ready T) func(ctx context.Context, ch *bridge.HostEnd[T, T]) error {
	return func(ctx context.Context, ch *bridge.HostEnd[T, T]) error {
		if err := ch.Started(ready); err != nil {
			return err
		}
		for {
			v, err := ch.Receive(ctx)
			if err != nil {
				return err
			}
			if err := ch.Send(v); err != nil {
				return err
			}
		}
	}
}

// forever waits on the host loop, for a future nobody completes, until
// the host task is cancelled.
func forever(ctx context.Context) error {
	_, err := loop.Await(ctx, loop.NewFuture[int](loop.FromContext(ctx)))
	return err
}
