//go:build unix

package signals_test

import (
	"fmt"
	"log/slog"
	"os"
	"syscall"

	"github.com/hitchrt/hitch/signals"
)

// The actor runtime owns the stop signals; a REPL shields SIGINT while it
// is in use, and SIGINT goes back to the runtime when the REPL closes.
func ExampleShieldSIGINT() {
	handled := make(chan string, 1)
	release := signals.Own("runtime", func(sig os.Signal) {
		handled <- "runtime: cancel the tree gracefully"
	}, func(sig os.Signal) {
		handled <- "runtime: stop now"
	}, signals.WithLogger(slog.New(slog.DiscardHandler)))
	defer release()

	unshield := signals.ShieldSIGINT("repl", func() { handled <- "repl: redraw the prompt" },
		signals.WithLogger(slog.New(slog.DiscardHandler)))
	syscall.Kill(os.Getpid(), syscall.SIGINT) // Ctrl-C at the REPL
	fmt.Println(<-handled)
	unshield()

	syscall.Kill(os.Getpid(), syscall.SIGINT)
	fmt.Println(<-handled)
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	fmt.Println(<-handled)
	// Output:
	// repl: redraw the prompt
	// runtime: cancel the tree gracefully
	// runtime: stop now
}
