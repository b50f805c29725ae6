package sc_test

import (
	"bytes"
	"context"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/hitchrt/hitch/actor/sc"
)

// Tasks carry their name as the pprof label "sc.task", so CPU and
// goroutine profiles attribute them.
func TestTaskPprofLabel(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var prof bytes.Buffer
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("labelled-worker", func(ctx context.Context) error {
					return pprof.Lookup("goroutine").WriteTo(&prof, 1)
				})
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(prof.String(), `"sc.task":"labelled-worker"`) {
			t.Fatalf("goroutine profile lacks the task label:\n%.2000s", prof.String())
		}
	})
}
