package ipc_test

import (
	"context"
	"fmt"

	"github.com/hitchrt/hitch/actor/ipc"
	"github.com/hitchrt/hitch/actor/msg"
)

func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	token := ipc.WithToken([]byte("tree secret"))

	ln, _ := ipc.Listen(ctx, ipc.Addr{}, token, ipc.WithIdentity(msg.Identity{Name: "root"}))
	served := make(chan error, 1)
	go func() {
		served <- ln.Serve(ctx, func(ctx context.Context, ch *ipc.Channel) {
			defer ch.Close()
			for {
				m, err := ch.Recv(ctx) // echo until the peer hangs up
				if err != nil || ch.Send(m) != nil {
					return
				}
			}
		})
	}()

	ch, err := ipc.Dial(ctx, ln.Addr(), token, ipc.WithIdentity(msg.Identity{Name: "child"}))
	if err != nil {
		panic(err)
	}
	ch.Send(&msg.Yield{Cid: "c1", Pld: msg.Raw{0x2a}}) // msgpack 42
	m, _ := ch.Recv(ctx)
	fmt.Println(ch.Peer().Name, m.Kind(), m.(*msg.Yield).Pld[0])

	ch.Close()
	cancel()
	<-served
	// Output: root Yield 42
}
