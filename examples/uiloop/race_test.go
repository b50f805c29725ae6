//go:build race

package main

// Under go test -race the example is built with the race detector too, so
// that the guest tasks' lock-free use of the UI state is checked.
func init() { buildFlags = append(buildFlags, "-race") }
