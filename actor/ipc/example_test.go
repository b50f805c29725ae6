package ipc_test

import (
	"context"
	"fmt"

	"github.com/hitchrt/hitch/actor/ipc"
	"github.com/hitchrt/hitch/actor/msg"
)

func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	codec := msg.MustCodec() // register payload types here, once
	opts := []ipc.Option{ipc.WithToken([]byte("tree secret")), ipc.WithCodec(codec)}

	ln, err := ipc.Listen(ctx, ipc.Addr{}, append(opts, ipc.WithIdentity(msg.Identity{Name: "root"}))...)
	if err != nil {
		panic(err)
	}
	served := make(chan error, 1)
	go func() {
		served <- ln.Serve(ctx, func(ctx context.Context, ch *ipc.Channel) {
			defer ch.Close()
			for {
				m, err := ch.Recv(ctx) // echo until the peer hangs up
				if err != nil || ch.Send(ctx, m) != nil {
					return
				}
			}
		})
	}()

	ch, err := ipc.Dial(ctx, ln.Addr(), append(opts, ipc.WithIdentity(msg.Identity{Name: "child"}))...)
	if err != nil {
		panic(err)
	}
	pld, _ := codec.EncodePayload(42)
	ch.Send(ctx, &msg.Yield{Cid: "c1", Pld: pld})
	m, _ := ch.Recv(ctx)
	n, _ := msg.Payload[int](codec, m)
	fmt.Println(ch.Peer().Name, m.Kind(), n)

	ch.Close()
	cancel()
	<-served
	// Output: root Yield 42
}

// A receiver that must not block, such as an actor runtime task, takes
// each message as the Channel's reader delivers it, and sends without
// waiting on a full queue.
func ExampleChannel_OnMessage() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	token := ipc.WithToken([]byte("tree secret"))
	ln, _ := ipc.Listen(ctx, ipc.Addr{}, token)
	served := make(chan error, 1)
	go func() {
		served <- ln.Serve(ctx, func(ctx context.Context, ch *ipc.Channel) {
			ended := make(chan struct{})
			ch.OnMessage(func(m msg.Msg, err error) {
				if err != nil {
					close(ended) // the Channel's end, delivered once
					return
				}
				if ch.TrySend(m) == ipc.ErrSendQueueFull {
					// Park until ch.WhenWritable(...) calls back, then retry.
				}
			})
			select {
			case <-ended:
			case <-ctx.Done():
			}
			ch.Close()
		})
	}()

	ch, _ := ipc.Dial(ctx, ln.Addr(), token)
	ch.Send(ctx, &msg.Stop{Cid: "c1"})
	m, _ := ch.Recv(ctx)
	fmt.Println(m.Kind(), m.(*msg.Stop).Cid)
	ch.Close()
	cancel()
	<-served
	// Output: Stop c1
}
