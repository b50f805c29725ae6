package ipc

import (
	"context"
	"errors"
	"log/slog"
)

// ErrClosed matches every [*TransportClosed]: errors.Is(err, ErrClosed)
// holds for every end of a Channel, whatever its cause.
var ErrClosed = errors.New("ipc: transport closed")

// LevelTransport is the log level of routine transport events (a peer
// hanging up, a discovery probe ending). It sits at -2, in the gap slog
// leaves between Debug (-4) and Info (0), so normal operation stays quiet
// at the default Info level yet shows with Debug.
const LevelTransport slog.Level = -2

// CloseCause says how a Channel ended.
type CloseCause uint8

// The causes. [TransportClosed.Level] gives each its log level; only
// CauseBroken is logged at Warn.
const (
	CausePeerEOF    CloseCause = iota + 1 // the peer closed its side cleanly
	CauseReset                            // the connection was reset or broke off
	CauseLocalClose                       // this side closed it (Close), possibly while another goroutine used it
	CauseSendClosed                       // a send on a Channel already closed by this side
	CauseBroken                           // the peer was dropped: garbage, an oversized or stalled frame
)

// String describes the cause, such as "peer closed the connection".
func (c CloseCause) String() string {
	switch c {
	case CausePeerEOF:
		return "peer closed the connection"
	case CauseReset:
		return "connection reset"
	case CauseLocalClose:
		return "closed locally"
	case CauseSendClosed:
		return "send after close"
	case CauseBroken:
		return "connection broken"
	}
	return "closed"
}

// TransportClosed says a Channel can no longer carry messages, and why.
// It matches [ErrClosed] and unwraps to the I/O or protocol error behind
// it, if any.
//
// The cause tells a caller what to do: CausePeerEOF and CauseReset are the
// peer going away (a message loop ends quietly); CauseLocalClose and
// CauseSendClosed mean this side closed the Channel while something still
// used it (that operation fails); CauseBroken means the peer was dropped
// for bad input.
type TransportClosed struct {
	Cause CloseCause
	Peer  string // the peer's address, and its identity once known
	Err   error  // the underlying error, if any
}

// Level returns the level the end is logged at: Warn for CauseBroken,
// [LevelTransport] (below Info) for every other cause.
func (e *TransportClosed) Level() slog.Level {
	if e.Cause == CauseBroken {
		return slog.LevelWarn
	}
	return LevelTransport
}

// Error names the peer, the cause and the underlying error.
func (e *TransportClosed) Error() string {
	s := "ipc: transport closed"
	if e.Peer != "" {
		s += " (peer " + e.Peer + ")"
	}
	s += ": " + e.Cause.String()
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is matches ErrClosed; Unwrap still yields the underlying error.
func (e *TransportClosed) Is(target error) bool { return target == ErrClosed }

// Unwrap returns the underlying error.
func (e *TransportClosed) Unwrap() error { return e.Err }

// report logs e once, at its level, on logger.
func (e *TransportClosed) report(logger *slog.Logger) {
	attrs := []slog.Attr{slog.String("cause", e.Cause.String())}
	if e.Peer != "" {
		attrs = append(attrs, slog.String("peer", e.Peer))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("err", e.Err.Error()))
	}
	logger.LogAttrs(context.Background(), e.Level(), "ipc: transport closed", attrs...)
}
