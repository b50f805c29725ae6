//go:build unix

package actor

import (
	"os/signal"
	"syscall"
)

func closeOnExec(fd int) { syscall.CloseOnExec(fd) }

// ignoreBrokenPipe makes a write to a closed pipe fail with EPIPE instead
// of ending the process: Go's default for stdout and stderr is to die of
// SIGPIPE.
func ignoreBrokenPipe() { signal.Ignore(syscall.SIGPIPE) }
