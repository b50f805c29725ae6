// Command pause opens the debugger's REPL from the root task: once, or
// three times with -loop (each `c` comes back to the REPL at the next
// turn). A sibling task stays alive meanwhile, so `tasks` shows it. Type `help` at the prompt for the commands;
// `q` ends the program with the quit error (exit status 1).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/debug"
)

func main() {
	loop := flag.Bool("loop", false, "pause at each of three turns")
	flag.Parse()
	err := sc.Run(func(ctx context.Context) error {
		detach, err := debug.Attach(sc.CurrentTask(ctx).Runner().Token())
		if err != nil {
			return err
		}
		defer detach()
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("sibling", func(ctx context.Context) error {
				sc.SleepForever(ctx) // until the main task is done
				return nil
			})
			turns := 1
			if *loop {
				turns = 3
			}
			for turn := 1; turn <= turns; turn++ {
				fmt.Printf("pause: turn %d\n", turn)
				if err := debug.Pause(ctx, debug.Var("turn", turn), debug.Var("greeting", "hello")); err != nil {
					return err
				}
			}
			fmt.Println("pause: done")
			n.CancelScope().Cancel()
			return nil
		})
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pause:", err)
		os.Exit(1)
	}
}
