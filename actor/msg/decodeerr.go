package msg

import (
	"errors"
	"fmt"
)

// ErrMalformed is the category of bytes that are not a valid message:
// errors.Is(err, ErrMalformed) holds for every [*DecodeError].
var ErrMalformed = errors.New("msg: malformed message")

// DecodeError says why bytes could not be decoded as a message.
type DecodeError struct {
	Kind   Kind   // the message kind, when it was read; zero before
	Tag    int64  // for an unknown kind: the tag as received
	Field  string // the field being read, when known
	Offset int    // byte offset in the input where the problem is
	Reason string
}

// Error names the kind, field and offset where known.
func (e *DecodeError) Error() string {
	s := "msg: malformed message"
	if e.Kind != 0 {
		s += " " + e.Kind.String()
	}
	if e.Field != "" {
		s += " field " + e.Field
	}
	return fmt.Sprintf("%s at byte %d: %s", s, e.Offset, e.Reason)
}

// Is matches ErrMalformed.
func (e *DecodeError) Is(target error) bool { return target == ErrMalformed }
