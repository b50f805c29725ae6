package msg

import (
	"context"
	"errors"
	"log/slog"
)

// ErrTransportClosed matches every *TransportClosed.
var ErrTransportClosed = errors.New("msg: transport closed")

// LevelTransport is the log level of routine transport events (a peer
// hanging up, a discovery probe ending). It sits at -2, in the gap slog
// leaves between Debug (-4) and Info (0), so normal operation stays quiet
// at the default Info level yet shows with Debug.
const LevelTransport slog.Level = -2

// CloseCause says how a transport ended.
type CloseCause uint8

// The causes, each with its own log level and raise policy (see
// [NewTransportClosed]).
const (
	CausePeerEOF    CloseCause = iota + 1 // the peer closed its side cleanly
	CauseReset                            // the connection was reset or broke off
	CauseLocalClose                       // this side closed it while another task used it
	CauseSendClosed                       // a send on a channel already closed
	CauseBroken                           // unexpected breakage: garbage, bad handshake, oversized frame
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

// TransportClosed says a channel can no longer carry messages, why, how
// loudly to log it and whether the operation that saw it should fail.
type TransportClosed struct {
	Cause CloseCause
	Peer  string     // the peer's address or identity, for the log line
	Err   error      // the underlying I/O error, if any
	Level slog.Level // the level to log it at
	Raise bool       // whether the operation that saw it should return it
}

// NewTransportClosed returns the TransportClosed for cause with the policy:
//
//	cause            level            raise
//	CausePeerEOF     LevelTransport   no   (a normal end)
//	CauseReset       LevelTransport   no
//	CauseLocalClose  LevelTransport   yes  (the caller was using it)
//	CauseSendClosed  LevelTransport   yes
//	CauseBroken      Warn             no   (the peer is dropped, others go on)
func NewTransportClosed(cause CloseCause, peer string, err error) *TransportClosed {
	tc := &TransportClosed{Cause: cause, Peer: peer, Err: err, Level: LevelTransport}
	switch cause {
	case CauseLocalClose, CauseSendClosed:
		tc.Raise = true
	case CauseBroken:
		tc.Level = slog.LevelWarn
	}
	return tc
}

// Error names the peer, the cause and the I/O error.
func (e *TransportClosed) Error() string {
	s := "msg: transport closed"
	if e.Peer != "" {
		s += " (peer " + e.Peer + ")"
	}
	s += ": " + e.Cause.String()
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is matches ErrTransportClosed.
func (e *TransportClosed) Is(target error) bool { return target == ErrTransportClosed }

// Unwrap returns the I/O error.
func (e *TransportClosed) Unwrap() error { return e.Err }

// Report logs e once at its level on logger (nil means slog.Default()) and
// returns e if its policy is to raise, else nil.
func (e *TransportClosed) Report(logger *slog.Logger) error {
	if logger == nil {
		logger = slog.Default()
	}
	attrs := []slog.Attr{slog.String("cause", e.Cause.String())}
	if e.Peer != "" {
		attrs = append(attrs, slog.String("peer", e.Peer))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("err", e.Err.Error()))
	}
	logger.LogAttrs(context.Background(), e.Level, "transport closed", attrs...)
	if e.Raise {
		return e
	}
	return nil
}
