package sc_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// K12: a snapshot lists every nursery, scope and task by name, with where
// each task is parked.
func TestTaskTreeSnapshot(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var tree *sc.TreeNode
		var sleepLine int
		err := run(func(ctx context.Context) error {
			var ev sc.Event
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("sleeper", func(ctx context.Context) error {
					_, _, line, _ := runtime.Caller(0)
					sleepLine = line + 2
					return sc.Sleep(ctx, time.Hour)
				})
				n.StartSoon("guarded", func(ctx context.Context) error {
					return sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
						s.SetShield(true)
						s.SetDeadline(sc.Now(ctx).Add(time.Minute))
						return ev.Wait(ctx)
					})
				})
				if err := sc.Sleep(ctx, time.Second); err != nil {
					return err
				}
				var err error
				tree, err = sc.TaskTree(ctx)
				if err != nil {
					return err
				}
				n.CancelScope().Cancel()
				return nil
			})
		}, mock())
		if err != nil {
			t.Fatal(err)
		}
		text := tree.String()
		t.Logf("\n%s", text)
		for _, want := range []string{
			"runner\n|_ task main #1 running",
			"   |_ nursery\n",
			"|_ task sleeper #",
			fmt.Sprintf("parked (sleep) at %s:%d", thisFile(), sleepLine),
			"|_ task guarded #",
			"parked (event) at " + thisFile(),
			"|_ scope [shielded, deadline 2000-01-01T00:01:00Z]",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("snapshot lacks %q", want)
			}
		}
		kinds := map[string]int{}
		tree.Walk(func(n *sc.TreeNode) { kinds[n.Kind]++ })
		if kinds["task"] != 3 || kinds["nursery"] != 1 || kinds["scope"] != 1 {
			t.Errorf("kinds = %v", kinds)
		}
	})
}

func thisFile() string {
	_, file, _, _ := runtime.Caller(0)
	return file
}
