package loop_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hitchrt/hitch/loop"
)

// OnClose hooks run during Close after queued callbacks and before tasks
// are stopped; removed hooks do not run; late registration is refused.
func TestOnClose(t *testing.T) {
	l := loop.New()
	var order []string
	l.CallSoonThreadsafe(func() { order = append(order, "callback") })
	l.Spawn("sleeper", func(ctx context.Context) error {
		err := loop.Sleep(ctx, time.Hour)
		order = append(order, "task stopped")
		return err
	})
	if _, err := l.OnClose(func() { order = append(order, "hook") }); err != nil {
		t.Fatal(err)
	}
	remove, _ := l.OnClose(func() { order = append(order, "removed hook") })
	remove()
	remove()
	l.Stop()
	l.RunForever() // one batch: starts the sleeper
	l.Close()
	want := []string{"callback", "hook", "task stopped"}
	if len(order) != len(want) {
		t.Fatalf("order = %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order = %v, want %v", order, want)
		}
	}
	if _, err := l.OnClose(func() {}); !errors.Is(err, loop.ErrClosed) {
		t.Fatalf("OnClose after Close = %v", err)
	}
}
