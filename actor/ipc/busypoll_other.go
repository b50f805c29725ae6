//go:build !unix

package ipc

import "io"

// pollReader is unix-only: elsewhere the frame reader reads the
// connection as it is.
type pollReader struct{ io.Reader }

func newPollReader(*Channel, int64) *pollReader { return nil }
