package actor

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// maxKeptPayload bounds the payload buffer a stream keeps for its next
// Send: a rare huge item is not held for the stream's life.
const maxKeptPayload = 64 << 10

// MsgStream is a context's stream: values of type Y sent both ways, in
// order. Context.OpenStream makes one; a zero MsgStream is unusable. Its
// methods are for tasks of the actor that opened it; one task receives at
// a time.
type MsgStream[Y any] struct {
	st *ctxState

	// Send's message and payload buffer, reused: the peer encodes a
	// message into its send queue before send returns.
	y   msg.Yield
	pld []byte
}

// Send sends v to the other side. It fails with the error the other side
// reported (a StreamOverrun when it could not keep up), or after Close.
// A value the codec cannot encode is a *MsgTypeError; one of the wrong
// type is refused by the receiver.
func (s *MsgStream[Y]) Send(ctx context.Context, v Y) error {
	st := s.st
	if st.remoteErr != nil {
		return st.remoteErr
	}
	if st.sentStop {
		return fmt.Errorf("actor: Send on a closed stream of context %q: %w", st.name, sc.ErrClosedResource)
	}
	raw, err := msg.AppendPayloadAs(st.a.codec, s.pld[:0], v)
	if err != nil {
		return payloadTypeError(msg.KindYield, v, st.spec.Yield, err)
	}
	if cap(raw) <= maxKeptPayload {
		s.pld = raw
	}
	s.y = msg.Yield{Cid: st.d.cid, Pld: raw}
	err = st.p.send(&s.y)
	s.y.Pld = nil
	return err
}

// Receive returns the next value, parking the task until one arrives. It
// returns ErrEndOfStream once the other side closed its sending side or
// finished, and the other side's error (a *RemoteActorError) if it failed.
// A value outside the stream's spec is a *MsgTypeError.
func (s *MsgStream[Y]) Receive(ctx context.Context) (Y, error) {
	var zero Y
	st := s.st
	if st.gotStop {
		return zero, ErrEndOfStream
	}
	m, err := st.next(ctx)
	if err != nil {
		return zero, err
	}
	switch m := m.(type) {
	case *msg.Yield:
		return msg.PayloadAs[Y](st.a.codec, m, st.spec.Yield)
	case *msg.Stop:
		st.gotStop = true
		if st.overrun != nil {
			return zero, st.overrun
		}
		return zero, ErrEndOfStream
	case *msg.Return:
		st.gotStop = true
		st.final = m // the result, for Open
		if st.overrun != nil {
			return zero, st.overrun
		}
		return zero, ErrEndOfStream
	case *msg.Error:
		st.gotStop = true
		st.final = m
		if rae := msg.UnpackError(m); !st.selfCancelAck(rae) {
			return zero, rae
		}
		return zero, ErrEndOfStream
	}
	return zero, &msg.InternalError{Message: fmt.Sprintf("actor: %s in the stream of context %q", m.Kind(), st.name)}
}

// All ranges over the stream's values until its end:
//
//	for v, err := range stream.All(ctx) { ... }
//
// The end of the stream ends the loop quietly; any other error is yielded
// once, then the loop ends.
func (s *MsgStream[Y]) All(ctx context.Context) iter.Seq2[Y, error] {
	return func(yield func(Y, error) bool) {
		for {
			v, err := s.Receive(ctx)
			if errors.Is(err, ErrEndOfStream) {
				return
			}
			if !yield(v, err) || err != nil {
				return
			}
		}
	}
}

// Close ends this side's sending: the other side's Receive returns
// ErrEndOfStream once it has read what was sent. Repeat calls do nothing.
func (s *MsgStream[Y]) Close(ctx context.Context) error {
	st := s.st
	if st.sentStop {
		return nil
	}
	st.sentStop = true
	return st.p.send(&msg.Stop{Cid: st.d.cid})
}
