//go:build unix

package sigguard

import (
	"os"
	"syscall"
)

// The signals this system has for what the guard does: SIGTERM asks a
// program to stop, SIGUSR1 asks for a task-tree dump.
var (
	SIGTERM os.Signal = syscall.SIGTERM
	SIGUSR1 os.Signal = syscall.SIGUSR1
)

// guarded are the signals the guard consumes, in the order of its
// goroutine's select cases.
var guarded = [3]os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1}
