package ipc

import (
	"context"
	"errors"
	"testing"

	"github.com/hitchrt/hitch/actor/msg"
)

// recvN receives n Yields and checks that they carry 0..n-1 in order, as
// the payload's bytes from off on.
func recvN(t *testing.T, ch *Channel, n, off int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for i := range n {
		m, err := ch.Recv(ctx)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if y := m.(*msg.Yield); string(y.Pld[off:off+5]) != string(seqPld(i)) {
			t.Fatalf("message %d carries %x", i, y.Pld[off:off+5])
		}
	}
}

// seqPld is the msgpack of i (a uint32), message i's payload.
func seqPld(i int) msg.Raw {
	return msg.Raw{0xce, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
}

func TestFlushSendsHeldInOrder(t *testing.T) {
	a, b, _, _ := pair(t)
	const n = 300
	for i := range n {
		var err error
		if i%3 == 0 {
			err = a.TrySend(&msg.Yield{Cid: "c", Pld: seqPld(i)}) // wakes the writer
		} else {
			err = a.TrySendHeld(&msg.Yield{Cid: "c", Pld: seqPld(i)})
		}
		if err != nil {
			t.Fatal(err)
		}
		if i%10 == 9 {
			a.Flush()
		}
	}
	a.Flush()
	recvN(t, b, n, 0)
}

// A burst larger than the socket takes at once: Flush writes what fits
// and the writer goroutine the rest, in order, once the peer reads.
func TestFlushHandsTheRestToTheWriter(t *testing.T) {
	a, b, _, _ := pair(t, WithSendQueue(8<<20))
	big := make([]byte, 64<<10)
	const n = 64 // 4 MiB, past any loopback socket buffer
	for i := range n {
		copy(big, seqPld(i))
		if err := a.TrySendHeld(&msg.Yield{Cid: "c", Pld: msg.Raw(append([]byte{0xc6, 0, 1, 0, 0}, big...))}); err != nil {
			t.Fatal(err)
		}
	}
	a.Flush()
	recvN(t, b, n, 5)
}

func TestCloseWritesHeld(t *testing.T) {
	a, b, _, _ := pair(t)
	const n = 50
	for i := range n {
		if err := a.TrySendHeld(&msg.Yield{Cid: "c", Pld: seqPld(i)}); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	recvN(t, b, n, 0)
	a.Flush() // after Close: does nothing
	if err := a.TrySendHeld(&msg.Yield{Cid: "c"}); !errors.As(err, new(*TransportClosed)) {
		t.Fatalf("TrySendHeld after Close = %v, want a *TransportClosed", err)
	}
}
