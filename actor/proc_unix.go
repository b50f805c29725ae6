//go:build unix

package actor

import (
	"os/signal"
	"syscall"
)

func closeOnExec(fd int) { syscall.CloseOnExec(fd) }

// ignoreSIGPIPE keeps a sub-actor alive when its stderr, a pipe to its
// parent, has no reader left: with the parent gone, the log line saying
// so would otherwise kill the child with SIGPIPE before it could tear
// down (and before its tasks could report anything on the terminal).
// Writes to the pipe then fail with EPIPE instead.
func ignoreSIGPIPE() { signal.Ignore(syscall.SIGPIPE) }
