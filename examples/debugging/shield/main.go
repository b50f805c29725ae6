// Command shield pauses inside a cancel scope that is already cancelled:
// the plain pause fails at once with a cancelled error that says to use
// the shield; the shielded one opens the REPL.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/debug"
)

func main() {
	err := sc.Run(func(ctx context.Context) error {
		return sc.OpenCancelScope(ctx, func(ctx context.Context, cs *sc.CancelScope) error {
			cs.Cancel()
			fmt.Println("shield: unshielded pause:", debug.Pause(ctx))
			if err := debug.Pause(ctx, debug.Shield()); err != nil {
				return err
			}
			fmt.Println("shield: done")
			return nil
		})
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "shield:", err)
		os.Exit(1)
	}
}
