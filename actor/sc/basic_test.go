package sc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

func TestRunReturnsMainResult(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		boom := errors.New("boom")
		if err := run(func(ctx context.Context) error { return nil }); err != nil {
			t.Fatalf("nil main: %v", err)
		}
		if err := run(func(ctx context.Context) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("got %v, want boom", err)
		}
	})
}

func TestSleepOrder(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var order []string
		err := run(func(ctx context.Context) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				for _, c := range []struct {
					name string
					d    time.Duration
				}{{"c", 3 * time.Second}, {"a", time.Second}, {"b", 2 * time.Second}} {
					n.StartSoon(c.name, func(ctx context.Context) error {
						if err := sc.Sleep(ctx, c.d); err != nil {
							return err
						}
						order = append(order, c.name)
						return nil
					})
				}
				return nil
			})
		}, mock())
		if err != nil {
			t.Fatal(err)
		}
		if got := len(order); got != 3 || order[0] != "a" || order[1] != "b" || order[2] != "c" {
			t.Fatalf("order = %v", order)
		}
	})
}
