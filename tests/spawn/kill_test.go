//go:build unix

package spawn_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/ipc"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/tests/internal/poll"
	"github.com/hitchrt/hitch/tests/internal/proccheck"
)

// A child stuck in a shielded sleep acknowledges the graceful cancel but
// cannot end; after the grace periods it is killed, an error line names
// it, and the parent's cancel completes.
func TestHardKill(t *testing.T) {
	logs := &records{}
	var childPID int
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "stubborn",
				actor.WithCancelTimeout(200*time.Millisecond), actor.WithKillGrace(200*time.Millisecond))
			if err != nil {
				return err
			}
			childPID = p.PID()
			return sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
				sn.StartSoon("call", func(ctx context.Context) error {
					_, _ = stubborn.Run(ctx, p, 0)
					return nil
				})
				if err := sc.Checkpoint(ctx); err != nil { // the call is on its way
					return err
				}
				return p.CancelActor(ctx)
			})
		})
	}, quiet(t), actor.WithLogger(slog.New(logs)))
	if err != nil {
		t.Fatal(err)
	}
	if proccheck.Alive(childPID) {
		t.Fatalf("child %d alive after CancelActor", childPID)
	}
	kills := logs.at(slog.LevelError, "child", "stubborn@")
	if len(kills) != 1 || !strings.Contains(kills[0].Message, "killing") {
		t.Errorf("want one error line naming the killed child, got %d: %v", len(kills), kills)
	}
}

// A child killed by SIGKILL in the middle of a call: the call fails at once
// with a transport-closed error naming the child, and the nursery reports
// the child's death.
func TestChildKilledMidCall(t *testing.T) {
	var callErr error
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "victim")
			if err != nil {
				return err
			}
			return sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
				sn.StartSoon("call", func(ctx context.Context) error {
					_, callErr = block.Run(ctx, p, 0)
					return nil
				})
				// The echo answers after the block call has started, so
				// the kill lands mid-call.
				if _, err := echo.Run(ctx, p, "ready?"); err != nil {
					return err
				}
				return syscall.Kill(p.PID(), syscall.SIGKILL)
			})
		})
	}, quiet(t))
	if !errors.Is(callErr, ipc.ErrClosed) || !strings.Contains(callErr.Error(), "victim@") {
		t.Errorf("call: %v, want a transport-closed error naming the child", callErr)
	}
	var ce *actor.ChildExitError
	if !errors.As(err, &ce) || ce.Child.Name != "victim" || !strings.Contains(ce.Status, "killed") {
		t.Errorf("nursery: %v, want victim's ChildExitError", err)
	}
}

// A parent killed by SIGKILL: its child notices the lost parent and exits.
func TestParentKilled(t *testing.T) {
	var grandchild int
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "middle")
			if err != nil {
				return err
			}
			return sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
				sn.StartSoon("call", func(ctx context.Context) error {
					_, err := parentOf.Run(ctx, p, "leaf")
					if !errors.Is(err, ipc.ErrClosed) {
						t.Errorf("call: %v, want the lost connection", err)
					}
					return nil
				})
				// The grandchild appears in the process table as a child
				// of middle; no message can tell us sooner.
				err := sc.ToGoroutine(ctx, func(context.Context) error {
					err := poll.Until("the grandchild", budget, func() bool {
						kids := proccheck.ChildrenOf(p.PID())
						if len(kids) == 1 {
							grandchild = kids[0].PID
						}
						return grandchild != 0
					})
					if err != nil {
						return err
					}
					return syscall.Kill(p.PID(), syscall.SIGKILL)
				}, false)
				if err != nil {
					return err
				}
				// Middle's death ends the nursery, however soon the
				// grandchild follows it.
				return sc.SleepForever(ctx)
			})
		})
	}, quiet(t))
	var ce *actor.ChildExitError
	if !errors.As(err, &ce) || ce.Child.Name != "middle" {
		t.Errorf("nursery: %v, want middle's ChildExitError", err)
	}
	if grandchild == 0 {
		return
	}
	// The grandchild notices its parent's death on its own, through the
	// parent channel or the parent-death signal.
	if err := poll.Until("the grandchild to exit", budget, func() bool { return !proccheck.Alive(grandchild) }); err != nil {
		t.Errorf("grandchild %d outlived its parent: %v", grandchild, err)
	}
}
