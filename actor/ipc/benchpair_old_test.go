package ipc

import (
	"context"
	"testing"

	"github.com/hitchrt/hitch/actor/msg"
)

// benchPair returns two connected Channels on network, both closed at
// cleanup.
func benchPair(b *testing.B, network string) (a, c *Channel) {
	ln, err := Listen(context.Background(), benchAddr(b, network), quiet())
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	got := make(chan *Channel, 1)
	go func() {
		conn, err := ln.ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		ch, _ := accept(conn, newConfig([]Option{quiet(), WithIdentity(msg.Identity{Name: "b"})}))
		got <- ch
	}()
	a, err = Dial(context.Background(), ln.Addr(), quiet())
	if err != nil {
		b.Fatal(err)
	}
	c = <-got
	if c == nil {
		b.Fatal("accept failed")
	}
	b.Cleanup(func() { a.Close(); c.Close() })
	return a, c
}
