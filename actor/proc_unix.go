//go:build unix

package actor

import "syscall"

func closeOnExec(fd int) { syscall.CloseOnExec(fd) }
