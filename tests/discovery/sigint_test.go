//go:build unix

package discovery_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/ipc"
	"github.com/hitchrt/hitch/actor/sc"
)

// sayOnExit makes the actor print "exit <name>" when it ends; the output
// of every actor of a program reaches the program's stdout.
func sayOnExit(ctx context.Context) error {
	a, err := actor.Current(ctx)
	if err != nil {
		return err
	}
	a.OnExit(func(context.Context) error {
		fmt.Println("exit", a.Name())
		return nil
	})
	return nil
}

var (
	armExit = actor.Func("discovery.armExit", func(ctx context.Context, _ int) (int, error) {
		return 0, sayOnExit(ctx)
	})

	// holdTree arms its actor's exit line, starts a grandchild with its
	// own, reports started and holds the tree until cancelled.
	holdTree = actor.ContextFunc("discovery.holdTree", func(ctx context.Context, c *actor.Context[string, int], name string) (int, error) {
		if err := sayOnExit(ctx); err != nil {
			return 0, err
		}
		return 0, actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			g, err := n.StartActor(ctx, name)
			if err != nil {
				return err
			}
			if _, err := armExit.Run(ctx, g, 0); err != nil {
				return err
			}
			if err := c.Started(ctx, "armed"); err != nil {
				return err
			}
			return sc.SleepForever(ctx)
		})
	})
)

// sigTree is the tree of the sigtree program: it joins, as its root.
var sigTree = []string{"sigroot", "sigkid", "siggrand"}

// runSigTree joins the tree at regAddr as "sigroot", with a child
// "sigkid" and a grandchild "siggrand", prints "ready" and holds the tree
// until a stop signal ends it.
func runSigTree(regAddr ipc.Addr, token []byte, _ string) error {
	return actor.Run(func(ctx context.Context, a *actor.Actor) error {
		if err := sayOnExit(ctx); err != nil {
			return err
		}
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			kid, err := n.StartActor(ctx, sigTree[1])
			if err != nil {
				return err
			}
			_, err = holdTree.Open(ctx, kid, sigTree[2], func(ctx context.Context, _ *actor.Context[string, int], _ string) error {
				fmt.Println("ready")
				return sc.SleepForever(ctx)
			})
			return err
		})
	}, actor.WithName(sigTree[0]), actor.WithToken(token), actor.WithRegistryAddr(regAddr))
}

// A tree ended by SIGINT to its root's program unregisters every actor of
// it: while it runs the registry knows all three; after the signal every
// lifetime callback has run, the program exits as interrupted (130), and
// the registry knows none of them.
func TestSIGINTUnregistersTree(t *testing.T) {
	token := []byte("sigint test token")
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return sc.FailAfter(ctx, bound, func(ctx context.Context) error {
			prog, err := startProgram(t, nil, "sigtree", a.Addr(), token, "")
			if err != nil {
				return err
			}
			if err := runOff(ctx, func() error { _, err := prog.expect("ready"); return err }); err != nil {
				return err
			}
			for _, name := range sigTree {
				if _, err := actor.FindActor(ctx, name); err != nil {
					return fmt.Errorf("%s while the tree runs: %w", name, err)
				}
			}
			if err := prog.signal(syscall.SIGINT); err != nil {
				return err
			}
			var rest []string
			var werr error
			if err := runOff(ctx, func() error { rest, werr = prog.wait(); return nil }); err != nil {
				return err
			}
			var ee *exec.ExitError
			if !errors.As(werr, &ee) || ee.ExitCode() != 130 {
				t.Errorf("program after SIGINT: %v, want exit status 130; stdout:\n%q\nstderr:\n%s", werr, rest, prog.stderrText())
			}
			for _, name := range sigTree {
				if !slices.Contains(rest, "exit "+name) {
					t.Errorf("no lifetime callback of %s ran; stdout after the signal:\n%q\nstderr:\n%s", name, rest, prog.stderrText())
				}
			}
			// Every process of the tree is gone; the registry may take a
			// moment more to read the last messages they sent it.
			for _, name := range sigTree {
				deadline := time.Now().Add(bound)
				for {
					_, err := actor.FindActor(ctx, name)
					if errors.Is(err, actor.ErrActorNotFound) {
						break
					}
					if time.Now().After(deadline) {
						return fmt.Errorf("%s still registered after its tree ended: %v", name, err)
					}
					if err := sc.Sleep(ctx, 5*time.Millisecond); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}, actor.WithToken(token), quiet())
	if err != nil {
		t.Fatal(err)
	}
}
