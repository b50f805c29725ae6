//go:build unix

package ipc

import "syscall"

// limitAddressSpace caps the process's virtual memory at n bytes.
func limitAddressSpace(n uint64) error {
	return syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: n, Max: n})
}
