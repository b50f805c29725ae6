// Command sync pauses from code that cannot wait on the runtime: first
// from synchronous code a task calls (the REPL runs in place, the runner
// waits), then from two plain goroutines at once (a lock task on the
// runner takes the lock for each in turn, so their REPLs come one after
// the other).
package main

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/debug"
)

// checksum is plain synchronous code; it pauses as a breakpoint would.
func checksum(data []byte) (int, error) {
	sum := 0
	for _, b := range data {
		sum += int(b)
	}
	return sum, debug.PauseFromSync(debug.Var("sum", sum))
}

func main() {
	err := sc.Run(func(ctx context.Context) error {
		detach, err := debug.Attach(sc.CurrentTask(ctx).Runner().Token())
		if err != nil {
			return err
		}
		defer detach()
		sum, err := checksum([]byte("hitch"))
		if err != nil {
			return err
		}
		fmt.Println("sync: checksum", sum)
		return sc.ToGoroutine(ctx, func(context.Context) error {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range 2 {
				wg.Go(func() {
					errs[i] = debug.PauseFromSync(debug.Var("worker", i+1))
					fmt.Printf("sync: worker %d resumed\n", i+1)
				})
			}
			wg.Wait()
			return errs[0]
		}, false)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sync:", err)
		os.Exit(1)
	}
	fmt.Println("sync: done")
}
