package sc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hitchrt/hitch/actor/sc"
)

type actorInfo struct{ name string }

// otherKey is a context key of the test's own, to show sc values survive
// a standard library value layer.
type otherKey struct{}

var (
	actorKey    = sc.NewKey[*actorInfo]("actor")
	settingKey  = sc.NewKey[int]("setting")
	sameNameKey = sc.NewKey[int]("setting") // a different key despite the name
)

// A run carries values from WithValue and Key.Set; every task, ctxs
// derived from a task's, the task's ToGoroutine goroutine and plain
// goroutines (through the runner) read them.
func TestRunValues(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		me := &actorInfo{"root"}
		err := run(func(ctx context.Context) error {
			if a, ok := actorKey.Value(ctx); !ok || a != me {
				return fmt.Errorf("main: %v %v", a, ok)
			}
			if ctx.Value(actorKey) != me {
				return errors.New("ctx.Value does not see the run value")
			}
			if _, ok := settingKey.Value(ctx); ok {
				return errors.New("unset key reported set")
			}
			r := sc.CurrentTask(ctx).Runner()
			settingKey.Set(r, 7)
			if _, ok := sameNameKey.Value(ctx); ok {
				return errors.New("keys with the same name are not distinct")
			}
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("child", func(ctx context.Context) error {
					derived, cancel := context.WithCancel(context.WithValue(ctx, otherKey{}, 1))
					defer cancel()
					if v, ok := settingKey.Value(derived); !ok || v != 7 {
						return fmt.Errorf("child through a derived ctx: %v %v", v, ok)
					}
					return sc.ToGoroutine(ctx, func(gctx context.Context) error {
						if a, _ := actorKey.Value(gctx); a != me {
							return errors.New("goroutine does not see the run value")
						}
						done := make(chan error, 1)
						go func() { // a plain goroutine, through the runner
							tr := sc.CurrentTask(gctx).Runner().Token().Runner()
							if v, ok := settingKey.Get(tr); !ok || v != 7 {
								done <- fmt.Errorf("plain goroutine: %v %v", v, ok)
								return
							}
							done <- nil
						}()
						return <-done
					}, false)
				})
				return nil
			})
		}, sc.WithValue(actorKey, me))
		if err != nil {
			t.Fatal(err)
		}
	})
}

// A key the run does not carry falls through to the ctx chain, so a
// context.WithValue under it is still found.
func TestRunValueFallsThrough(t *testing.T) {
	err := sc.Run(func(ctx context.Context) error {
		outer := context.WithValue(ctx, settingKey, 3)
		return sc.OpenCancelScope(outer, func(ctx context.Context, _ *sc.CancelScope) error {
			if v, ok := settingKey.Value(ctx); !ok || v != 3 {
				return fmt.Errorf("got %v %v, want the WithValue", v, ok)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkKeyValue: reading a run value from a task's ctx.
func BenchmarkKeyValue(b *testing.B) {
	b.ReportAllocs()
	err := sc.Run(func(ctx context.Context) error {
		for range b.N {
			if _, ok := actorKey.Value(ctx); !ok {
				return errors.New("missing")
			}
		}
		return nil
	}, sc.WithValue(settingKey, 1), sc.WithValue(actorKey, &actorInfo{}))
	if err != nil {
		b.Fatal(err)
	}
}
