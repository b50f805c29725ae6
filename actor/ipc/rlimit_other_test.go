//go:build !unix

package ipc

import "time"

// limitAddressSpace is a no-op where there is no RLIMIT_AS; the child still
// runs under debug.SetMemoryLimit and the heap bound is still checked.
func limitAddressSpace(uint64) error { return nil }

// cpuTime is not measured here: the cpu-ns/op metric reads 0.
func cpuTime() time.Duration { return 0 }
