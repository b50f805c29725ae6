//go:build !unix

package ipc

// limitAddressSpace is a no-op where there is no RLIMIT_AS; the child still
// runs under debug.SetMemoryLimit and the heap bound is still checked.
func limitAddressSpace(uint64) error { return nil }
