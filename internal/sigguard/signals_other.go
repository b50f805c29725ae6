//go:build !unix

package sigguard

import (
	"os"
	"syscall"
)

// The signals this system has for what the guard does: SIGTERM asks a
// program to stop (Windows sends it on a console's close, logoff or
// shutdown event); there is no SIGUSR1, so SIGUSR1 is nil.
var (
	SIGTERM os.Signal = syscall.SIGTERM
	SIGUSR1 os.Signal // nil: no such signal here
)

// guarded are the signals the guard consumes, in the order of its
// goroutine's select cases; the nil slot is never notified.
var guarded = [3]os.Signal{os.Interrupt, syscall.SIGTERM, nil}
