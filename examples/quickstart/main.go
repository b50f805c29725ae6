// Command quickstart shows hitch's host loop: a timer resolving a future,
// two tasks, and a clean Ctrl-C. Run it with `go run ./examples/quickstart`
// (add -for 1h and press Ctrl-C to see the cleanup).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/hitchrt/hitch/loop"
)

func main() {
	runFor := flag.Duration("for", 350*time.Millisecond, "how long the ticker runs")
	flag.Parse()
	err := loop.Run(func(t *loop.Task) error {
		l := t.Loop()
		// A timer callback resolves a future; the main task awaits it.
		greeting := loop.NewFuture[string](l)
		l.CallLater(10*time.Millisecond, func() { greeting.SetResult("hello from a timer") })
		msg, err := loop.Await(t, greeting)
		if err != nil {
			return err
		}
		fmt.Println(msg)

		// A task with a typed result, and a task that ticks until cancelled.
		sum := loop.Go(l, "sum", func(t *loop.Task) (int, error) {
			total := 0
			for i := 1; i <= 10; i++ {
				total += i
				if err := t.Yield(); err != nil { // let others run
					return 0, err
				}
			}
			return total, nil
		})
		ticker := l.Spawn("ticker", func(t *loop.Task) error {
			for i := 1; ; i++ {
				if err := t.Sleep(100 * time.Millisecond); err != nil {
					return err // cancelled: stop ticking
				}
				fmt.Println("tick", i)
			}
		})
		total, err := loop.Await(t, sum)
		if err != nil {
			return err
		}
		fmt.Println("sum:", total)

		// Ctrl-C cancels the main task: this Sleep returns ErrCancelled.
		if err := t.Sleep(*runFor); err != nil {
			fmt.Println("cancelled: cleaning up")
			return err
		}
		ticker.Cancel()
		t.Await(ticker) // ends once the ticker has stopped
		fmt.Println("done")
		return nil
	})
	if errors.Is(err, loop.ErrInterrupted) {
		fmt.Println("stopped by Ctrl-C")
		os.Exit(130)
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}
