//go:build unix

package spawn_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/tests/internal/proccheck"
)

// startThree starts c0, c1, c2, adds their pids to pids and returns their
// portals.
func startThree(ctx context.Context, n *actor.Nursery, pids *[]int) ([]*actor.Portal, error) {
	var ps []*actor.Portal
	for i := range 3 {
		p, err := n.StartActor(ctx, fmt.Sprintf("c%d", i))
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
		*pids = append(*pids, p.PID())
	}
	return ps, nil
}

// checkGone fails t for each pid still alive.
func checkGone(t *testing.T, pids []int) {
	t.Helper()
	for _, pid := range pids {
		if proccheck.Alive(pid) {
			t.Errorf("child %d outlived its nursery", pid)
		}
	}
}

// One child's call fails in a nursery of three: the others are cancelled,
// the nursery's error names the failed child, and no process remains.
func TestNurseryOneCallFails(t *testing.T) {
	var pids []int
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			ps, err := startThree(ctx, n, &pids)
			if err != nil {
				return err
			}
			_, err = fail.Run(ctx, ps[1], "c1 gives up")
			return err
		})
	}, quiet(t))
	var rae *actor.RemoteActorError
	if !errors.As(err, &rae) || rae.Src.Name != "c1" {
		t.Fatalf("got %v, want c1's RemoteActorError", err)
	}
	if !strings.Contains(err.Error(), "c1@") {
		t.Errorf("error does not name c1: %v", err)
	}
	checkGone(t, pids)
}

// One child's process dies in a nursery of three: the nursery fails with a
// ChildExitError naming it, the siblings are cancelled, no process
// remains.
func TestNurseryChildProcessDies(t *testing.T) {
	var pids []int
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			ps, err := startThree(ctx, n, &pids)
			if err != nil {
				return err
			}
			return sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
				sn.StartSoon("crash c1", func(ctx context.Context) error {
					_, _ = exitNow.Run(ctx, ps[1], 7)
					return nil
				})
				// Serve until the nursery's failure cancels this body.
				return sc.SleepForever(ctx)
			})
		})
	}, quiet(t))
	var ce *actor.ChildExitError
	if !errors.As(err, &ce) || !errors.Is(err, actor.ErrChildExited) {
		t.Fatalf("got %v, want a ChildExitError", err)
	}
	if ce.Child.Name != "c1" || ce.Status != "exit status 7" {
		t.Errorf("ChildExitError: %+v", ce)
	}
	checkGone(t, pids)
}

// Nursery.Cancel stops every child and the body goes on.
func TestNurseryCancel(t *testing.T) {
	var pids []int
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			ps, err := startThree(ctx, n, &pids)
			if err != nil {
				return err
			}
			if err := n.Cancel(ctx); err != nil {
				return err
			}
			checkGone(t, pids)
			if _, err := echo.Run(ctx, ps[0], "late"); err == nil {
				t.Errorf("call on a cancelled child succeeded")
			}
			return nil
		})
	}, quiet(t))
	if err != nil {
		t.Fatal(err)
	}
}
