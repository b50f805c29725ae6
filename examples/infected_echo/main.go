// Command infected_echo shows an infected sub-actor: a child process whose
// main is a host loop (loop.Run) with the actor runtime as its guest. The
// child's echo server is a host task on that loop, linked to the guest
// side of a context by infected.OpenChannelFrom; the parent streams lines
// to the context, the guest relays each to the host task and the echo
// back, and the sentinel "stop" ends both sides.
//
// Run it with `go run ./examples/infected_echo` (-n sets the number of
// lines, -pace the time between them). It exits 0 once the echoes are
// done, and 130 after Ctrl-C, which stops the parent's actor tree: the
// child's guest is cancelled, its host task with it, and the child exits
// before the parent does.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/infected"
	"github.com/hitchrt/hitch/loop"
	"github.com/hitchrt/hitch/signals"
)

// echoServer is the host side: a host task of the child's loop that echoes
// every line the guest hands it, until the sentinel.
func echoServer(ctx context.Context, ch *bridge.HostEnd[string, string]) error {
	if err := ch.Started(fmt.Sprintf("echo server up on the host loop of pid %d", os.Getpid())); err != nil {
		return err
	}
	for {
		line, err := ch.Receive(ctx)
		if err != nil {
			if errors.Is(err, loop.ErrCancelled) || errors.Is(err, bridge.ErrGuestExited) {
				fmt.Fprintln(os.Stderr, "echo server: stopped:", err)
			}
			return err
		}
		if err := ch.Send("echo: " + line); err != nil {
			return err
		}
		if line == "stop" {
			return nil
		}
	}
}

// echo runs in the infected child: the guest side of the context relays
// the parent's stream through the host task, and returns how many lines it
// echoed.
var echo = actor.ContextFunc("echo", func(ctx context.Context, c *actor.Context[string, string], _ int) (int, error) {
	n := 0
	err := infected.OpenChannelFrom(ctx, echoServer, func(ctx context.Context, ch *bridge.GuestEnd[string, string], up string) error {
		if err := c.Started(ctx, up); err != nil {
			return err
		}
		s, err := c.OpenStream(ctx, false)
		if err != nil {
			return err
		}
		for line, err := range s.All(ctx) {
			if err != nil {
				return err
			}
			if err := ch.Send(ctx, line); err != nil {
				return err
			}
			back, err := ch.Receive(ctx)
			if err != nil {
				return err
			}
			if err := s.Send(ctx, back); err != nil {
				return err
			}
			if line == "stop" {
				return nil
			}
			n++
		}
		return nil
	})
	return n, err
})

func main() {
	actor.ChildMain() // in the child, this runs the host loop with the runtime as its guest
	lines := flag.Int("n", 5, "lines to echo")
	pace := flag.Duration("pace", 0, "time between lines")
	flag.Parse()
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "echo", infected.Mode())
			if err != nil {
				return err
			}
			fmt.Println("started the infected child: pid", p.PID())
			served, err := echo.Open(ctx, p, 0, func(ctx context.Context, c *actor.Context[string, string], up string) error {
				fmt.Println("child says:", up)
				s, err := c.OpenStream(ctx, false)
				if err != nil {
					return err
				}
				for i := 1; i <= *lines+1; i++ {
					line := fmt.Sprint("line ", i)
					if i > *lines {
						line = "stop"
					}
					if err := s.Send(ctx, line); err != nil {
						return err
					}
					back, err := s.Receive(ctx)
					if err != nil {
						return err
					}
					fmt.Println(back)
					if *pace > 0 {
						if err := sc.Sleep(ctx, *pace); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			fmt.Println("the child echoed", served, "lines")
			return p.CancelActor(ctx)
		})
	})
	var stopped *actor.StoppedError
	if errors.As(err, &stopped) {
		fmt.Println("stopped by", signals.Name(stopped.Signal))
		os.Exit(signals.ExitCode(stopped.Signal))
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}
