// Command quickstart shows hitch's layers together: a host loop doing its
// own work (a ticker task) while a structured-concurrency guest run on the
// same loop opens the root actor and starts a sub-actor, a child process of
// this same program. In the guest, a nursery of workers has the child
// square every job (a call to its "square" endpoint) and sends the results
// through a memory channel to a collector, while the host keeps ticking.
// Run it with `go run ./examples/quickstart` (add -jobs 1000 and press
// Ctrl-C to see the guest's cleanup). It exits 0 when the jobs are done,
// 130 after Ctrl-C and 143 after SIGTERM (which cleans up the same way), as
// uiloop does; the child process is gone by the time it exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/loop"
	"github.com/hitchrt/hitch/signals"
)

const (
	workers = 3
	pace    = 100 * time.Millisecond // worker N sleeps N*pace before each job
)

// square runs in the sub-actor: the reply names the process that computed it.
var square = actor.Func("square", func(ctx context.Context, n int) (string, error) {
	return fmt.Sprintf("%d squared is %d in pid %d", n, n*n, os.Getpid()), nil
})

func main() {
	actor.ChildMain() // in the sub-actor, this serves "square" and exits
	jobs := flag.Int("jobs", 3, "jobs per worker")
	flag.Parse()
	fmt.Println("quickstart: a host loop runs its own ticker task and, on the same loop, a guest structured-concurrency run")
	fmt.Printf("quickstart: the guest opens the root actor and starts a sub-actor (a child process); %d workers have it square each job and send the results through a memory channel to a collector; host ticks interleave\n", workers)
	fmt.Println("quickstart: Ctrl-C stops the guest (the root actor owns SIGINT while it runs), which waits for every guest task's cleanup and for the child to exit")
	fmt.Println("quickstart: parent pid", os.Getpid())
	err := loop.Run(func(ctx context.Context) error {
		// The host's own work: a task on the loop, ticking until cancelled.
		ticker := loop.FromContext(ctx).Spawn("ticker", func(ctx context.Context) error {
			for i := 1; ; i++ {
				if err := loop.Sleep(ctx, pace); err != nil {
					return err
				}
				fmt.Println("host tick", i)
			}
		})
		defer ticker.Cancel()

		// The guest: an sc run whose task steps are callbacks of this loop,
		// running the root actor. While the root runs, a stop signal stops
		// the actor tree and OpenRoot returns a *actor.StoppedError; before
		// or after it, the signal cancels this host task, and RunGuest then
		// cancels the guest and keeps the loop turning until every guest
		// task has returned.
		//
		// n counts the results as they arrive: RunGuest hands back main's
		// value only when main succeeds.
		n := 0
		_, err := bridge.RunGuest(ctx, func(ctx context.Context) (struct{}, error) {
			err := actor.OpenRoot(ctx, func(ctx context.Context, a *actor.Actor) error {
				return actor.OpenNursery(ctx, func(ctx context.Context, an *actor.Nursery) error {
					p, err := an.StartActor(ctx, "squarer")
					if err != nil {
						return err
					}
					fmt.Println("sub-actor squarer started: child pid", p.PID())
					if err := collect(ctx, p, *jobs, &n); err != nil {
						return err
					}
					return p.CancelActor(ctx)
				})
			})
			return struct{}{}, err
		})
		var se *actor.StoppedError
		if errors.Is(err, loop.ErrCancelled) || errors.As(err, &se) {
			fmt.Println("guest cancelled after", n, "results")
			return err
		}
		if err != nil {
			return err
		}
		fmt.Println("done:", n, "results")
		return nil
	})
	// A stop signal, SIGINT (Ctrl-C) or SIGTERM (what service managers
	// send), ended the run after the cleanup above: exit as a shell reports
	// the signal. The root actor reports it while it runs, loop.Run
	// otherwise.
	var sig os.Signal
	var se *actor.StoppedError
	var ie *loop.InterruptedError
	stopped := true
	switch {
	case errors.As(err, &se):
		sig = se.Signal
	case errors.As(err, &ie):
		sig = ie.Signal
	default:
		stopped = false
	}
	if stopped {
		if sig == nil {
			sig = os.Interrupt // a signal left unnamed is SIGINT
		}
		if sig == os.Interrupt {
			fmt.Println("stopped by Ctrl-C")
		} else {
			fmt.Println("stopped by", signals.Name(sig))
		}
		os.Exit(signals.ExitCode(sig))
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}

// collect runs the workers and a collector in a nursery, counting in got
// the results that arrive. Each worker has the sub-actor behind p square
// its jobs.
func collect(ctx context.Context, p *actor.Portal, jobs int, got *int) error {
	send, recv := sc.NewChannel[string](0)
	return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
		defer send.Close() // each worker holds its own clone
		for id := 1; id <= workers; id++ {
			out, err := send.Clone()
			if err != nil {
				return err
			}
			n.StartSoon(fmt.Sprint("worker ", id), func(ctx context.Context) error {
				defer out.Close() // the last Close ends the collector's loop
				for j := 1; j <= jobs; j++ {
					err := sc.Sleep(ctx, time.Duration(id)*pace)
					var res string
					if err == nil {
						res, err = square.Run(ctx, p, id*10+j)
					}
					if err == nil {
						err = out.Send(ctx, fmt.Sprintf("worker %d: job %d: %s", id, j, res))
					}
					if err != nil {
						fmt.Printf("worker %d: cancelled, cleaning up\n", id)
						return err
					}
				}
				return nil
			})
		}
		return n.StartSoon("collector", func(ctx context.Context) error {
			for {
				msg, err := recv.Receive(ctx)
				if errors.Is(err, sc.ErrEndOfChannel) {
					return nil
				}
				if err != nil {
					fmt.Println("collector: cancelled, cleaning up")
					return err
				}
				*got++
				fmt.Println("collected", msg)
			}
		})
	})
}
