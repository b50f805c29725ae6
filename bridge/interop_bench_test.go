package bridge_test

import (
	"context"
	"testing"

	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/loop"
)

// BenchmarkRunHostTask measures a guest task awaiting a host task that
// answers at once: start, run, value back.
func BenchmarkRunHostTask(b *testing.B) {
	inGuest(b, func(ctx context.Context) error {
		fn := func(*loop.Task) (int, error) { return 1, nil }
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := bridge.RunHostTask(ctx, fn); err != nil {
				return err
			}
		}
		return nil
	})
}
