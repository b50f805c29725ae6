package bridge_test

import (
	"context"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/loop"
)

func TestRunGuestSmoke(t *testing.T) {
	err := loop.Run(func(lt *loop.Task) error {
		v, err := bridge.RunGuest(lt, func(ctx context.Context) (int, error) {
			err := sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("s", func(ctx context.Context) error { return sc.Sleep(ctx, 10*time.Millisecond) })
				return nil
			})
			return 7, err
		})
		if v != 7 {
			t.Errorf("v = %d", v)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
