package signals

import (
	"os"
	"syscall"

	"github.com/hitchrt/hitch/internal/sigguard"
)

// ExitCode returns the exit status a shell reports for a process that
// sig ended: 128 plus the signal's number, so 130 for SIGINT and 143 for
// SIGTERM. A program that stopped gracefully on sig exits with it, so
// that its caller sees why it stopped. It returns 1 for a nil signal or
// one without a number.
func ExitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok && s > 0 {
		return 128 + int(s)
	}
	return 1
}

// Name returns the conventional name of a signal hitch handles ("SIGINT",
// "SIGTERM", "SIGUSR1"), or sig's own String for others ("hangup").
func Name(sig os.Signal) string { return sigguard.Name(sig) }
