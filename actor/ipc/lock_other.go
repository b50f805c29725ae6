//go:build !unix

package ipc

import "context"

// lockDir is a no-op where advisory file locks are not available: Listen
// is still atomic on a path (link fails on an existing file), but
// replacing a stale socket is not serialized between processes.
func lockDir(context.Context, string) (func(), error) { return func() {}, nil }
