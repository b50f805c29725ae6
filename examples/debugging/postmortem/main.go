// Command postmortem opens the REPL on crashes: a task that panics (its
// stack is shown, and bt shows it again), then a plain function run by
// debug.Guard, whose error is re-raised after the REPL, or dropped with
// -suppress. It exits 1 when Guard gives the error back.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/debug"
)

func count(table map[string]int, key string) { table[key]++ }

func parseConfig() error { return errors.New("config: missing field name") }

func main() {
	suppress := flag.Bool("suppress", false, "drop the guarded function's error after the REPL")
	flag.Parse()
	err := sc.Run(func(ctx context.Context) error {
		detach, err := debug.Attach(sc.CurrentTask(ctx).Runner().Token())
		if err != nil {
			return err
		}
		defer detach()
		crash := sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("worker", func(context.Context) error {
				count(nil, "x") // a nil-map write: panics
				return nil
			})
			return nil
		})
		if err := debug.PostMortem(ctx, crash); err != nil {
			return err
		}
		fmt.Println("postmortem: the task crash was looked at")
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "postmortem:", err)
		os.Exit(1)
	}
	opts := []debug.Option{}
	if *suppress {
		opts = append(opts, debug.Suppress())
	}
	if err := debug.Guard(parseConfig, opts...); err != nil {
		fmt.Println("postmortem: guard gave back:", err)
		os.Exit(1)
	}
	fmt.Println("postmortem: guard dropped the error")
}
