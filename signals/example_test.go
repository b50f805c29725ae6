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
	fmt.Println(signals.ExitCode(os.Interrupt), signals.ExitCode(syscall.SIGTERM))
	// Output: 130 143
}
