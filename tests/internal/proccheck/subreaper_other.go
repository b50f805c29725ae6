//go:build unix && !linux

package proccheck

// Subreaper does nothing outside Linux.
func Subreaper() {}
