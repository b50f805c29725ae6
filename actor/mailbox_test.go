package actor

import (
	"context"
	"errors"
	"testing"

	"github.com/hitchrt/hitch/actor/sc"
)

func runSC(t *testing.T, fn func(ctx context.Context, n *sc.Nursery) error) {
	t.Helper()
	err := sc.Run(func(ctx context.Context) error { return sc.OpenNursery(ctx, fn) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestMailboxOrderAndOverrun(t *testing.T) {
	runSC(t, func(ctx context.Context, _ *sc.Nursery) error {
		m := newMailbox[int](2)
		if err := m.push(1); err != nil {
			t.Fatal(err)
		}
		if err := m.push(2); err != nil {
			t.Fatal(err)
		}
		if err := m.push(3); !errors.Is(err, errMailboxOverrun) {
			t.Fatalf("push into a full mailbox: %v, want overrun", err)
		}
		for want := 1; want <= 2; want++ {
			if v, err := m.receive(ctx); v != want || err != nil {
				t.Fatalf("receive = %d, %v; want %d", v, err, want)
			}
		}
		return nil
	})
}

func TestMailboxParksUntilPush(t *testing.T) {
	got := make(chan int, 2)
	runSC(t, func(ctx context.Context, n *sc.Nursery) error {
		m := newMailbox[int](4)
		for range 2 {
			n.StartSoon("receiver", func(ctx context.Context) error {
				v, err := m.receive(ctx)
				got <- v
				return err
			})
		}
		if err := sc.Checkpoint(ctx); err != nil { // both park
			return err
		}
		m.push(7)
		m.push(8)
		return nil
	})
	if a, b := <-got, <-got; a+b != 15 {
		t.Errorf("receivers got %d and %d, want 7 and 8", a, b)
	}
}

func TestMailboxCloseDrainsThenFails(t *testing.T) {
	boom := errors.New("boom")
	runSC(t, func(ctx context.Context, n *sc.Nursery) error {
		m := newMailbox[int](4)
		var parkedErr error
		n.StartSoon("parked", func(ctx context.Context) error {
			_, parkedErr = m.receive(ctx)
			return nil
		})
		if err := sc.Checkpoint(ctx); err != nil {
			return err
		}
		m.close(boom)
		if err := sc.Checkpoint(ctx); err != nil {
			return err
		}
		if !errors.Is(parkedErr, boom) {
			t.Errorf("parked receiver got %v, want the close error", parkedErr)
		}
		if err := m.push(1); !errors.Is(err, boom) {
			t.Errorf("push after close: %v", err)
		}

		m2 := newMailbox[int](4)
		m2.push(1)
		m2.close(boom)
		if v, err := m2.receive(ctx); v != 1 || err != nil {
			t.Errorf("queued value after close: %d, %v", v, err)
		}
		if _, err := m2.receive(ctx); !errors.Is(err, boom) {
			t.Errorf("drained: %v, want the close error", err)
		}
		return nil
	})
}

// A receiver cancelled while parked leaves no lost wake-up behind: a push
// meant for it reaches the next receiver.
func TestMailboxCancelledReceiver(t *testing.T) {
	runSC(t, func(ctx context.Context, n *sc.Nursery) error {
		m := newMailbox[int](4)
		var cancelled error
		s := &sc.CancelScope{}
		n.StartSoon("cancelled", func(ctx context.Context) error {
			return s.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
				_, cancelled = m.receive(ctx)
				return cancelled
			})
		})
		if err := sc.Checkpoint(ctx); err != nil {
			return err
		}
		s.Cancel()
		m.push(1) // released for the cancelled receiver, which is gone
		if err := sc.Checkpoint(ctx); err != nil {
			return err
		}
		if !errors.Is(cancelled, sc.ErrCancelled) {
			t.Errorf("cancelled receiver: %v", cancelled)
		}
		for want := 1; want <= 3; want++ {
			if want > 1 {
				n.StartSoon("pusher", func(ctx context.Context) error { return m.push(want) })
			}
			if v, err := m.receive(ctx); v != want || err != nil {
				t.Fatalf("receive = %d, %v; want %d", v, err, want)
			}
		}
		return nil
	})
}

func BenchmarkMailbox(b *testing.B) {
	b.ReportAllocs()
	err := sc.Run(func(ctx context.Context) error {
		m := newMailbox[int](64)
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("receiver", func(ctx context.Context) error {
				for {
					v, err := m.receive(ctx)
					if err != nil || v < 0 {
						return err
					}
				}
			})
			for b.Loop() {
				m.push(1)
				if err := sc.Checkpoint(ctx); err != nil {
					return err
				}
			}
			m.push(-1)
			return nil
		})
	})
	if err != nil {
		b.Fatal(err)
	}
}
