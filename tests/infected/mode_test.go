//go:build unix

package infected_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/infected"
	"github.com/hitchrt/hitch/internal/spawnhook"
)

// A child started with infected.Mode says so by all three witnesses; a
// child started without it says it is not; a child of an infected actor is
// infected only when asked, and a grandchild under a native child can be.
func TestInfectedWitnesses(t *testing.T) {
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		if a.Infected() || a.Vars().Infected {
			t.Errorf("a native root says it is infected")
		}
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			inf, err := n.StartActor(ctx, "infected", infected.Mode())
			if err != nil {
				return err
			}
			native, err := n.StartActor(ctx, "native")
			if err != nil {
				return err
			}
			for _, tc := range []struct {
				name string
				run  func() (witnesses, error)
				want bool
			}{
				{"infected child", func() (witnesses, error) { return witness.Run(ctx, inf, 0) }, true},
				{"native child", func() (witnesses, error) { return witness.Run(ctx, native, 0) }, false},
				{"unasked grandchild of an infected child", func() (witnesses, error) { return witnessBelow.Run(ctx, inf, false) }, false},
				{"infected grandchild of an infected child", func() (witnesses, error) { return witnessBelow.Run(ctx, inf, true) }, true},
				{"infected grandchild of a native child", func() (witnesses, error) { return witnessBelow.Run(ctx, native, true) }, true},
			} {
				w, err := tc.run()
				if err != nil || !w.all(tc.want) {
					t.Errorf("%s: %+v, %v; want every witness %v", tc.name, w, err, tc.want)
				}
			}
			return n.Cancel(ctx)
		})
	}, quiet(t))
	if err != nil {
		t.Fatal(err)
	}
}

// A child whose command-line flag and spawn-spec variable disagree
// refuses to boot: StartActor fails with a spawn error that carries the
// child's internal error and its non-zero exit status, and no process is
// left. Both ways: the flag without the variable (the child runs a host
// loop, then refuses) and the variable without the flag.
func TestFlagAndVarDisagree(t *testing.T) {
	spawnhook.SkewInfected.Store(true)
	defer spawnhook.SkewInfected.Store(false)
	for _, tc := range []struct {
		name string
		opts []actor.Option
	}{
		{"flag without var", nil},
		{"var without flag", []actor.Option{infected.Mode()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := newOutput(t)
			err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
				return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
					p, err := n.StartActor(ctx, "skewed", tc.opts...)
					if err == nil {
						t.Errorf("StartActor succeeded (pid %d)", p.PID())
						return p.CancelActor(ctx)
					}
					var se *actor.SpawnError
					if !errors.As(err, &se) {
						t.Fatalf("StartActor: %v, want a *actor.SpawnError", err)
					}
					msg := err.Error()
					for _, want := range []string{"refuses to boot", "InternalError", "disagree with this process's host-loop mode", "exit status 2"} {
						if !strings.Contains(msg, want) {
							t.Errorf("the spawn error lacks %q:\n%s", want, msg)
						}
					}
					return nil
				})
			}, capture(out)...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "refuses to boot") {
				t.Errorf("the child did not log its refusal:\n%s", out)
			}
		})
	}
}

// RunHostTask and OpenChannelFrom in a child that is not infected fail
// with a clear error matching infected.ErrNotInfected, and start nothing.
func TestNotInfected(t *testing.T) {
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		// The native root itself.
		if _, err := infected.RunHostTask(ctx, func(context.Context) (int, error) { return 1, nil }); !errors.Is(err, infected.ErrNotInfected) {
			t.Errorf("RunHostTask in a native root: %v, want ErrNotInfected", err)
		}
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "native")
			if err != nil {
				return err
			}
			msgs, err := tryHost.Run(ctx, p, 0)
			if err != nil {
				t.Error(err)
			}
			for _, m := range msgs {
				if !strings.Contains(m, "not an infected actor") || !strings.Contains(m, "native") {
					t.Errorf("error text %q does not say which actor is not infected", m)
				}
			}
			return p.CancelActor(ctx)
		})
	}, quiet(t))
	if err != nil {
		t.Fatal(err)
	}
}
