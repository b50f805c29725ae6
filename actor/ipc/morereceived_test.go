package ipc

import (
	"testing"

	"github.com/hitchrt/hitch/actor/msg"
)

// MoreReceived, in the OnMessage callback, says whether the next message
// is read already: true for all but the last of a burst written at once.
func TestMoreReceived(t *testing.T) {
	a, b, _, _ := pair(t)
	const n = 5
	more := make(chan bool, n)
	b.OnMessage(func(m msg.Msg, end error) {
		if end == nil {
			more <- b.MoreReceived()
		}
	})
	for i := range n {
		if err := a.TrySendHeld(&msg.Yield{Cid: "c", Pld: seqPld(i)}); err != nil {
			t.Fatal(err)
		}
	}
	a.Flush() // one write: the reader reads all five at once
	for i := range n {
		if got, want := <-more, i < n-1; got != want {
			t.Errorf("message %d: MoreReceived = %v, want %v", i, got, want)
		}
	}
}
