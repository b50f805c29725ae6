// Command quickstart shows hitch's two halves together: a host loop doing
// its own work (a ticker task) while a structured-concurrency guest run on
// the same loop runs a nursery of workers that send results through a
// memory channel to a collector. Run it with `go run ./examples/quickstart`
// (add -jobs 1000 and press Ctrl-C to see the guest's cleanup). It exits 0
// when the jobs are done, 130 after Ctrl-C and 143 after SIGTERM (which
// cleans up the same way), as uiloop does.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/loop"
	"github.com/hitchrt/hitch/signals"
)

const (
	workers = 3
	pace    = 100 * time.Millisecond // worker N sleeps N*pace before each job
)

func main() {
	jobs := flag.Int("jobs", 3, "jobs per worker")
	flag.Parse()
	fmt.Println("quickstart: a host loop runs its own ticker task and, on the same loop, a guest structured-concurrency run")
	fmt.Printf("quickstart: in the guest, %d workers send jobs through a memory channel to a collector; host ticks interleave\n", workers)
	fmt.Println("quickstart: Ctrl-C cancels the host's main task, which cancels the guest and waits for every guest task's cleanup")
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

		// The guest: an sc run whose task steps are callbacks of this loop.
		// Ctrl-C cancels this host task; RunGuest then cancels the guest
		// and keeps the loop turning until every guest task has returned.
		n, err := bridge.RunGuest(ctx, func(ctx context.Context) (int, error) {
			return collect(ctx, *jobs)
		})
		if errors.Is(err, loop.ErrCancelled) {
			fmt.Println("guest cancelled after", n, "results")
			return err
		}
		if err != nil {
			return err
		}
		fmt.Println("done:", n, "results")
		return nil
	})
	// Run stopped on SIGINT (Ctrl-C) or SIGTERM (what service managers
	// send) after the cleanup above: exit as a shell reports the signal.
	var ie *loop.InterruptedError
	if errors.As(err, &ie) {
		if ie.Signal == os.Interrupt {
			fmt.Println("stopped by Ctrl-C")
		} else {
			fmt.Println("stopped by", signals.Name(ie.Signal))
		}
		os.Exit(signals.ExitCode(ie.Signal))
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}

// collect runs the workers and a collector in a nursery and reports how
// many results arrived.
func collect(ctx context.Context, jobs int) (int, error) {
	send, recv, err := sc.NewChannel[string](0)
	if err != nil {
		return 0, err
	}
	got := 0
	err = sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
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
					if err == nil {
						err = out.Send(ctx, fmt.Sprintf("worker %d: job %d", id, j))
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
				got++
				fmt.Println("collected", msg)
			}
		})
	})
	return got, err
}
