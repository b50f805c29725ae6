package sc_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// K7: a bounded send blocks when full; closing the send side ends receives
// with end-of-channel after the buffer drains; receive on a closed receive
// side is a closed-resource error.
func TestChannelBoundedCloseDrain(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var trace []string
		err := run(func(ctx context.Context) error {
			tx, rx := sc.NewChannel[int](2)
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("sender", func(ctx context.Context) error {
					for i := range 3 {
						if err := tx.Send(ctx, i); err != nil {
							return err
						}
						trace = append(trace, fmt.Sprintf("sent %d at %v", i, sc.Now(ctx).Second()))
					}
					return tx.Close()
				})
				// The third send must wait for this receive at t=1s.
				if err := sc.Sleep(ctx, time.Second); err != nil {
					return err
				}
				for {
					v, err := rx.Receive(ctx)
					if errors.Is(err, sc.ErrEndOfChannel) {
						break
					}
					if err != nil {
						return err
					}
					trace = append(trace, fmt.Sprintf("got %d", v))
				}
				if err := rx.Close(); err != nil {
					return err
				}
				if _, err := rx.Receive(ctx); !errors.Is(err, sc.ErrClosedResource) {
					return fmt.Errorf("receive on closed end: %v", err)
				}
				return nil
			})
		}, mock())
		if err != nil {
			t.Fatal(err)
		}
		// Two sends fit the buffer at t=0; the third waits for the first
		// receive at t=1; every value arrives, in order.
		var sends, gets []string
		for _, e := range trace {
			if e[0] == 's' {
				sends = append(sends, e)
			} else {
				gets = append(gets, e)
			}
		}
		if fmt.Sprint(sends) != "[sent 0 at 0 sent 1 at 0 sent 2 at 1]" || fmt.Sprint(gets) != "[got 0 got 1 got 2]" {
			t.Fatalf("trace = %v", trace)
		}
	})
}

func TestChannelBrokenAndClones(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			tx, rx := sc.NewChannel[string](0)
			tx2, err := tx.Clone()
			if err != nil {
				return err
			}
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("blocked sender", func(ctx context.Context) error {
					err := tx2.Send(ctx, "never taken")
					if !errors.Is(err, sc.ErrBrokenResource) {
						return fmt.Errorf("send to closed receiver: %v", err)
					}
					return nil
				})
				// unbuffered hand-off
				n.StartSoon("receiver", func(ctx context.Context) error {
					v, err := rx.Receive(ctx)
					if err != nil || v != "hi" {
						return fmt.Errorf("got %q, %v", v, err)
					}
					return nil
				})
				if err := tx.Send(ctx, "hi"); err != nil {
					return err
				}
				tx.Close()
				if err := tx.Send(ctx, "x"); !errors.Is(err, sc.ErrClosedResource) {
					return fmt.Errorf("send on closed end: %v", err)
				}
				if _, err := tx.Clone(); !errors.Is(err, sc.ErrClosedResource) {
					return fmt.Errorf("clone of closed end: %v", err)
				}
				if err := sc.Sleep(ctx, time.Second); err != nil {
					return err
				}
				return rx.Close() // the blocked sender gets ErrBrokenResource
			})
		}, mock())
		if err != nil {
			t.Fatal(err)
		}
	})
}

// End of channel comes only when every send clone is closed.
func TestChannelEndAfterAllClonesClose(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			tx, rx := sc.NewChannel[int](4)
			tx2, _ := tx.Clone()
			tx.Send(ctx, 1)
			tx.Close()
			if v, err := rx.Receive(ctx); err != nil || v != 1 {
				return fmt.Errorf("got %d, %v", v, err)
			}
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("late", func(ctx context.Context) error {
					if err := sc.Sleep(ctx, time.Second); err != nil {
						return err
					}
					if err := tx2.Send(ctx, 2); err != nil {
						return err
					}
					return tx2.Close()
				})
				if v, err := rx.Receive(ctx); err != nil || v != 2 {
					return fmt.Errorf("got %d, %v", v, err)
				}
				if _, err := rx.Receive(ctx); !errors.Is(err, sc.ErrEndOfChannel) {
					return fmt.Errorf("want end of channel, got %v", err)
				}
				return nil
			})
		}, mock())
		if err != nil {
			t.Fatal(err)
		}
	})
}

// A negative capacity is a programmer error: NewChannel panics, naming
// itself and the value.
func TestNewChannelNegativeCapacityPanics(t *testing.T) {
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "sc: NewChannel: negative capacity -1") {
			t.Fatalf("recovered %v, want a panic naming NewChannel and the capacity", r)
		}
	}()
	sc.NewChannel[int](-1)
}
