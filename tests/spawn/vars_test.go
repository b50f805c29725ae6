//go:build unix

package spawn_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
)

var (
	// varsOf reports the actor's runtime variables as seen from a task
	// and from a plain goroutine.
	varsOf = actor.Func("spawn.vars", func(ctx context.Context, _ int) ([]string, error) {
		a, err := actor.Current(ctx)
		if err != nil {
			return nil, err
		}
		v := a.Vars()
		var p actor.RuntimeVars
		_ = sc.ToGoroutine(ctx, func(context.Context) error {
			p, _ = actor.ProcessVars()
			return nil
		}, false)
		if p.DebugMode != v.DebugMode || p.Extra["color"] != v.Extra["color"] {
			return nil, errors.New("ProcessVars disagrees with Vars")
		}
		debug := "false"
		if v.DebugMode {
			debug = "true"
		}
		return []string{debug, v.LogLevel, v.Extra["color"], v.BusyPoll}, nil
	})

	// varsBelow starts a grandchild (with color overridden when asked) and
	// returns its variables.
	varsBelow = actor.Func("spawn.varsBelow", func(ctx context.Context, color string) ([]string, error) {
		var out []string
		err := actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			var opts []actor.Option
			if color != "" {
				opts = append(opts, actor.WithVar("color", color))
			}
			p, err := n.StartActor(ctx, "grandchild", opts...)
			if err != nil {
				return err
			}
			if out, err = varsOf.Run(ctx, p, 0); err != nil {
				return err
			}
			return p.CancelActor(ctx)
		})
		return out, err
	})
)

// Runtime variables reach children and grandchildren unchanged, unless
// overridden for one child's subtree.
func TestRuntimeVarsRelay(t *testing.T) {
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			same, err := n.StartActor(ctx, "same")
			if err != nil {
				return err
			}
			other, err := n.StartActor(ctx, "other", actor.WithVar("color", "green"), actor.WithDebugMode(false), actor.WithBusyPoll(20*time.Microsecond))
			if err != nil {
				return err
			}
			check := func(what string, got []string, err error, want ...string) {
				t.Helper()
				if err != nil || !slices.Equal(got, want) {
					t.Errorf("%s: %v, %v; want %v", what, got, err, want)
				}
			}
			got, err := varsOf.Run(ctx, same, 0)
			check("child", got, err, "true", "DEBUG", "blue", "0s")
			got, err = varsBelow.Run(ctx, same, "")
			check("grandchild", got, err, "true", "DEBUG", "blue", "0s")
			got, err = varsBelow.Run(ctx, same, "red")
			check("grandchild with an override", got, err, "true", "DEBUG", "red", "0s")
			got, err = varsOf.Run(ctx, other, 0)
			check("child with overrides", got, err, "false", "DEBUG", "green", "20µs")
			got, err = varsBelow.Run(ctx, other, "")
			check("its grandchild", got, err, "false", "DEBUG", "green", "20µs")
			return n.Cancel(ctx)
		})
	}, quiet(t), actor.WithDebugMode(true), actor.WithVar("color", "blue"), actor.WithLogLevel(-4), actor.WithBusyPoll(0))
	if err != nil {
		t.Fatal(err)
	}
}

func TestBusyPollRefusesNegative(t *testing.T) {
	ran := false
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		ran = true
		return nil
	}, quiet(t), actor.WithBusyPoll(-time.Microsecond))
	if err == nil || ran || !strings.Contains(err.Error(), "WithBusyPoll") {
		t.Fatalf("Run with a negative busy-poll window: ran %v, err %v; want an error naming WithBusyPoll before anything runs", ran, err)
	}
}
