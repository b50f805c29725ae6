package msg

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/ugorji/go/codec"

	"github.com/hitchrt/hitch/internal/panics"
)

// Codec encodes and decodes messages and payloads, with the payload types
// and extensions registered when it was made. It is the one place those
// settings live: build one per program (or per actor tree), and give the
// same Codec to actor/ipc (ipc.WithCodec), which encodes and decodes
// message envelopes with it, and to the code that encodes and decodes
// payloads.
//
// A Codec is safe for concurrent use by any number of goroutines. Message
// encoding and decoding keep no state; payload coding borrows pooled
// encoder and decoder state, so steady-state coding allocates only what
// the decoded values themselves need. The zero Codec is not usable; call
// [NewCodec].
type Codec struct {
	h *codec.MsgpackHandle

	// Set while NewCodec runs, read-only after.
	exts    map[reflect.Type]uint64 // types with extension hooks
	structs map[reflect.Type]bool   // structs allowed as payloads

	types   sync.Map   // reflect.Type -> typeVerdict, the payload type check cache
	typesMu sync.Mutex // serializes classifying new types
	encs    sync.Pool  // *payloadEncoder
	decs    sync.Pool  // *codec.Decoder

	lastCid atomic.Pointer[string] // the dialog id Decode met last (reader.str)
}

// payloadEncoder is pooled ugorji encoder state and its output buffer.
type payloadEncoder struct {
	enc *codec.Encoder
	buf []byte
}

// NewCodec returns a Codec configured by opts. It returns an error naming
// the first option that cannot be applied.
func NewCodec(opts ...Option) (*Codec, error) {
	h := &codec.MsgpackHandle{}
	h.WriteExt = true    // str and bin stay distinct types on the wire
	h.RawToString = true // decode msgpack str into string when the target is any
	h.MaxInitLen = 4096  // never pre-allocate more than this from a length prefix
	h.MaxDepth = maxDepth
	c := &Codec{
		h:       h,
		exts:    map[reflect.Type]uint64{},
		structs: map[reflect.Type]bool{},
	}
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("msg: NewCodec: nil option")
		}
		if err := o.apply(c); err != nil {
			return nil, err
		}
	}
	c.encs.New = func() any {
		pe := &payloadEncoder{}
		pe.enc = codec.NewEncoderBytes(&pe.buf, h)
		return pe
	}
	c.decs.New = func() any { return codec.NewDecoderBytes(nil, h) }
	return c, nil
}

// MustCodec is NewCodec for options known to be valid, such as in package
// variables and tests; it panics with NewCodec's error.
func MustCodec(opts ...Option) *Codec {
	c, err := NewCodec(opts...)
	if err != nil {
		panic(err)
	}
	return c
}

//go:generate go run ./internal/fieldgen

// Encode appends one message (its kind tag and fields) to dst and returns
// the extended slice; with enough capacity in dst it allocates nothing. It
// fails, returning dst unchanged, only for a nil or foreign Msg or a Raw
// field that is not exactly one msgpack value.
func (c *Codec) Encode(dst []byte, m Msg) ([]byte, error) { return encodeMsg(dst, m) }

var errNilMsg = errors.New("msg: Encode: nil message")

// checkRaw verifies that a non-empty Raw holds exactly one msgpack value.
func checkRaw(k Kind, field string, r Raw) error {
	if len(r) == 0 {
		return nil
	}
	rd := reader{b: r, kind: k, fld: field}
	rd.skip(0)
	if rd.err == nil && rd.i != len(r) {
		rd.fail("trailing bytes after the value")
	}
	if rd.err != nil {
		return fmt.Errorf("msg: Encode: %w", rd.err)
	}
	return nil
}

// Decode decodes exactly one message from b. Raw and []byte fields of the
// result share b's memory (no copy): the caller must not overwrite b while
// it uses the message. Strings are copied.
//
// Decode never panics, whatever b holds. Malformed input, trailing bytes
// and unknown kinds are reported as a [*DecodeError] (which matches
// [ErrMalformed] through errors.Is) naming the kind, field and offset.
func (c *Codec) Decode(b []byte) (m Msg, err error) {
	defer func() {
		if v := recover(); v != nil {
			m, err = nil, &InternalError{Message: "msg: Decode panicked", Cause: panics.Capture(v, "msg.Decode")}
		}
	}()
	r := reader{b: b, cids: &c.lastCid}
	n := r.arrayLen()
	if r.err != nil {
		return nil, r.err
	}
	if n == 0 {
		r.fail("empty message array")
		return nil, r.err
	}
	r.fld = "kind"
	tag := r.integer()
	if r.err != nil {
		return nil, r.err
	}
	if tag <= 0 || tag > 255 || !Kind(tag).Valid() {
		return nil, &DecodeError{Tag: tag, Offset: 1, Reason: fmt.Sprintf("unknown message kind %d", tag)}
	}
	r.kind = Kind(tag)
	r.left = n - 1
	m = readMsg(&r)
	r.fld = ""
	for ; r.left > 0 && r.err == nil; r.left-- {
		r.skip(1) // fields from a newer sender
	}
	if r.err == nil && r.i != len(b) {
		r.fail(fmt.Sprintf("%d trailing bytes after the message", len(b)-r.i))
	}
	if r.err != nil {
		return nil, r.err
	}
	return m, nil
}
