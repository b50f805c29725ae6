package signals_test

import (
	"fmt"
	"os"
	"syscall"

	"github.com/hitchrt/hitch/signals"
)

// A program that stopped gracefully on a signal exits with the status a
// shell reports for that signal.
func ExampleExitCode() {
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		fmt.Println(signals.Name(sig), signals.ExitCode(sig))
	}
	// Output:
	// SIGINT 130
	// SIGTERM 143
}
