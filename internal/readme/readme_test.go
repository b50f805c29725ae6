package readme_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/ipc"
	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/debug"
	"github.com/hitchrt/hitch/loop"
)

func Example_loop() {
	err := loop.Run(func(ctx context.Context) error {
		f := loop.Go(loop.FromContext(ctx), "answer", func(ctx context.Context) (int, error) {
			return 42, loop.Sleep(ctx, time.Millisecond)
		})
		v, err := loop.Await(ctx, f)
		fmt.Println("answer:", v)
		return err
	})
	fmt.Println("err:", err)
	// Output:
	// answer: 42
	// err: <nil>
}

func Example_sc() {
	err := sc.Run(func(ctx context.Context) error {
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("slow", func(ctx context.Context) error {
				return sc.FailAfter(ctx, 5*time.Second, func(ctx context.Context) error {
					return sc.Sleep(ctx, time.Hour)
				})
			})
			return nil
		})
	}, sc.WithClock(sc.NewMockClock(true))) // virtual time: instant
	fmt.Println("too slow:", errors.Is(err, sc.ErrTooSlow))
	// Output: too slow: true
}

func Example_runGuest() {
	err := loop.Run(func(ctx context.Context) error {
		loop.FromContext(ctx).CallLater(time.Millisecond, func() { fmt.Println("host callback") })
		v, err := bridge.RunGuest(ctx, func(ctx context.Context) (string, error) {
			return "guest value", sc.Sleep(ctx, 10*time.Millisecond)
		})
		fmt.Println(v) // after "host callback"
		return err
	})
	fmt.Println("err:", err)
	// Output:
	// host callback
	// guest value
	// err: <nil>
}

func Example_foreignHost() {
	calls := make(chan func(), 16) // a foreign loop: it runs funcs on its goroutine
	host := bridge.HostFunc(func(fn func()) error { calls <- fn; return nil })
	finished := false
	_, err := bridge.StartGuestRun(host, func(ctx context.Context) (int, error) {
		return 6 * 7, sc.Checkpoint(ctx)
	}, func(o bridge.Outcome[int]) {
		fmt.Println("done:", o.Value, o.Err)
		finished = true
	}, bridge.WithSIGINT(false))
	for err == nil && !finished {
		(<-calls)()
	}
	// Output: done: 42 <nil>
}

func Example_hostAndGuestTasks() {
	err := loop.Run(func(ctx context.Context) error {
		_, err := bridge.RunGuest(ctx, func(ctx context.Context) (struct{}, error) {
			v, err := bridge.RunHostTask(ctx, func(ctx context.Context) (int, error) { return 41 + 1, nil })
			fmt.Println("host task:", v, err)
			err = bridge.OpenChannelFrom(ctx,
				func(ctx context.Context, ch *bridge.HostEnd[string, string]) error { // host side
					ch.Started("ready")
					for {
						s, err := ch.Receive(ctx)
						if err != nil {
							return nil // the guest side left
						}
						ch.Send("echo: " + s)
					}
				},
				func(ctx context.Context, ch *bridge.GuestEnd[string, string], first string) error { // guest side
					ch.Send(ctx, "hi")
					s, err := ch.Receive(ctx)
					fmt.Println(first, s)
					return err
				})
			return struct{}{}, err
		})
		return err
	})
	fmt.Println("err:", err)
	// Output:
	// host task: 42 <nil>
	// ready echo: hi
	// err: <nil>
}

// square is the README's endpoint, registered at init as every endpoint is.
var square = actor.Func("square", func(ctx context.Context, n int) (int, error) { return n * n, nil })

// Example_actor spawns this test binary as the sub-actor: TestMain calls
// actor.ChildMain first.
func Example_actor() {
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "squarer") // a child process, connected back and ready
			if err != nil {
				return err
			}
			v, err := square.Run(ctx, p, 7) // 49; a failure is an *actor.RemoteActorError
			if err != nil {
				return err
			}
			fmt.Println("7 squared:", v)
			return p.CancelActor(ctx) // graceful cancel, then SIGTERM, then SIGKILL
		})
	})
	fmt.Println("err:", err)
	// Output:
	// 7 squared: 49
	// err: <nil>
}

func Example_msg() {
	c := msg.MustCodec()
	pld, _ := c.EncodePayload(42)
	frame, _ := c.Encode(nil, &msg.Yield{Cid: "c1", Pld: pld})
	m, _ := c.Decode(frame)
	n, _ := c.DecodePayload(m, msg.SpecFor[int]())
	_, err := c.DecodePayload(m, msg.SpecFor[string]())
	fmt.Println(n, errors.Is(err, msg.ErrMsgType))
	// Output: 42 true
}

func Example_ipc() {
	ctx, cancel := context.WithCancel(context.Background())
	token := ipc.WithToken([]byte("tree secret"))
	ln, _ := ipc.Listen(ctx, ipc.Addr{}, token) // loopback, ephemeral port
	served := make(chan error, 1)
	go func() {
		served <- ln.Serve(ctx, func(ctx context.Context, ch *ipc.Channel) {
			defer ch.Close()
			m, _ := ch.Recv(ctx)
			ch.Send(ctx, m) // echo one message
		})
	}()
	ch, _ := ipc.Dial(ctx, ln.Addr(), token)
	ch.Send(ctx, &msg.Yield{Cid: "c1", Pld: msg.Raw{0x2a}})
	m, _ := ch.Recv(ctx)
	fmt.Println(m.Kind())
	ch.Close()
	cancel()
	<-served
	// Output: Yield
}

// Example_debug compiles, and does not run: it waits for a person at the
// terminal.
func Example_debug() {
	err := sc.Run(func(ctx context.Context) error {
		// `p answer`, `vars`, `bt`, `l`, `tasks`, then `c` to go on (`q` quits: debug.ErrQuit)
		if err := debug.Pause(ctx, debug.Var("answer", 42)); err != nil {
			return err
		}
		// the error and its stack, then the REPL; debug.Guard does this for plain funcs
		return debug.PostMortem(ctx, errors.New("disk full"))
	})
	fmt.Println("err:", err)
}
