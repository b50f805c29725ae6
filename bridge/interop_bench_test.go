package bridge_test

import (
	"context"
	"testing"
	"time"

	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/loop"
)

// BenchmarkRunHostTask measures a guest task awaiting a host task that
// answers at once: start, run, value back.
func BenchmarkRunHostTask(b *testing.B) {
	inGuest(b, func(ctx context.Context) error {
		fn := func(context.Context) (int, error) { return 1, nil }
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

// BenchmarkOpenChannelFromEcho measures guest -> host -> guest round trips
// over one linked channel: the guest sends, the host task echoes, the
// guest receives.
func BenchmarkOpenChannelFromEcho(b *testing.B) {
	inGuest(b, func(ctx context.Context) error {
		n := 0
		return bridge.OpenChannelFrom(ctx, echoHost(&n), func(ctx context.Context, ch *guestEnd, _ int) error {
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if err := ch.Send(ctx, i); err != nil {
					return err
				}
				if _, err := ch.Receive(ctx); err != nil {
					return err
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "round-trips/s")
			return nil
		})
	})
}

// BenchmarkOpenChannelFromStream measures host -> guest values: the host
// task sends bursts that fit the queue, the guest receives them.
func BenchmarkOpenChannelFromStream(b *testing.B) {
	inGuest(b, func(ctx context.Context) error {
		return bridge.OpenChannelFrom(ctx, func(ctx context.Context, ch *hostEnd) error {
			if err := ch.Started(0); err != nil {
				return err
			}
			for i := 0; i < b.N; i++ {
				for ch.Send(i) != nil { // full: let the guest drain
					if err := loop.Yield(ctx); err != nil {
						return err
					}
				}
			}
			return nil
		}, func(ctx context.Context, ch *guestEnd, _ int) error {
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for {
				if _, err := ch.Receive(ctx); err != nil {
					b.StopTimer()
					b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "values/s")
					return err
				}
			}
		})
	})
}

// BenchmarkRunGuestTaskInFuture measures a host task awaiting a guest task
// that answers at once.
func BenchmarkRunGuestTaskInFuture(b *testing.B) {
	inGuest(b, func(ctx context.Context) error {
		_, err := bridge.RunHostTask(ctx, func(ctx context.Context) (struct{}, error) {
			fn := func(context.Context) (int, error) { return 1, nil }
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := loop.Await(ctx, bridge.RunGuestTaskInFuture(loop.FromContext(ctx), fn)); err != nil {
					return struct{}{}, err
				}
			}
			return struct{}{}, nil
		})
		return err
	})
}
