package msg

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/ugorji/go/codec"

	"github.com/hitchrt/hitch/internal/panics"
)

// Codec encodes and decodes messages and payloads. It holds reusable
// encoder and decoder state, so steady-state encoding and decoding allocate
// only what the decoded values themselves need.
//
// A Codec is not safe for concurrent use: give each goroutine (the channel
// reader, the sending task) its own. Codecs built with the same options
// agree on the wire. The zero Codec is not usable; call [NewCodec].
type Codec struct {
	h   *codec.MsgpackHandle
	enc *codec.Encoder
	dec *codec.Decoder
	buf []byte // scratch for payload encoding, reused

	exts    map[reflect.Type]uint64 // types with extension hooks
	structs map[reflect.Type]bool   // structs allowed as payloads
	types   typeCheckCache
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
	c.enc = codec.NewEncoderBytes(&c.buf, h)
	c.dec = codec.NewDecoderBytes(nil, h)
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

// Encode appends one message (its kind tag and fields) to dst and returns
// the extended slice; with enough capacity in dst it allocates nothing. It
// fails, returning dst unchanged, only for a nil or foreign Msg or a Raw
// field that is not exactly one msgpack value.
func (c *Codec) Encode(dst []byte, m Msg) ([]byte, error) {
	switch m := m.(type) {
	case *Yield:
		if m == nil {
			return dst, errNilMsg
		}
		if err := checkRaw(KindYield, "Pld", m.Pld); err != nil {
			return dst, err
		}
		return appendPld(dst, KindYield, m.Cid, m.Pld), nil
	case *Started:
		if m == nil {
			return dst, errNilMsg
		}
		if err := checkRaw(KindStarted, "Pld", m.Pld); err != nil {
			return dst, err
		}
		return appendPld(dst, KindStarted, m.Cid, m.Pld), nil
	case *Return:
		if m == nil {
			return dst, errNilMsg
		}
		if err := checkRaw(KindReturn, "Pld", m.Pld); err != nil {
			return dst, err
		}
		return appendPld(dst, KindReturn, m.Cid, m.Pld), nil
	case *CancelAck:
		if m == nil {
			return dst, errNilMsg
		}
		if err := checkRaw(KindCancelAck, "Pld", m.Pld); err != nil {
			return dst, err
		}
		return appendPld(dst, KindCancelAck, m.Cid, m.Pld), nil
	case *Stop:
		if m == nil {
			return dst, errNilMsg
		}
		return m.appendFields(dst), nil
	case *StartAck:
		if m == nil {
			return dst, errNilMsg
		}
		return m.appendFields(dst), nil
	case *Start:
		if m == nil {
			return dst, errNilMsg
		}
		if err := checkRaw(KindStart, "Args", m.Args); err != nil {
			return dst, err
		}
		return m.appendFields(dst), nil
	case *Error:
		if m == nil {
			return dst, errNilMsg
		}
		if err := checkRaw(KindError, "BadMsg", m.BadMsg); err != nil {
			return dst, err
		}
		return m.appendFields(dst), nil
	case *Identity:
		if m == nil {
			return dst, errNilMsg
		}
		return m.appendFields(dst), nil
	case *SpawnSpec:
		if m == nil {
			return dst, errNilMsg
		}
		return m.appendFields(dst), nil
	}
	if m == nil {
		return dst, errNilMsg
	}
	return dst, fmt.Errorf("msg: Encode: %T is not a message type of this package", m)
}

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
	r := reader{b: b}
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
	switch r.kind {
	case KindYield:
		y := &Yield{}
		y.Cid, y.Pld = readPld(&r)
		m = y
	case KindStarted:
		s := &Started{}
		s.Cid, s.Pld = readPld(&r)
		m = s
	case KindReturn:
		s := &Return{}
		s.Cid, s.Pld = readPld(&r)
		m = s
	case KindCancelAck:
		s := &CancelAck{}
		s.Cid, s.Pld = readPld(&r)
		m = s
	case KindStop:
		s := &Stop{}
		s.readFields(&r)
		m = s
	case KindStartAck:
		s := &StartAck{}
		s.readFields(&r)
		m = s
	case KindStart:
		s := &Start{}
		s.readFields(&r)
		m = s
	case KindError:
		s := &Error{}
		s.readFields(&r)
		m = s
	case KindIdentity:
		s := &Identity{}
		s.readFields(&r)
		m = s
	case KindSpawnSpec:
		s := &SpawnSpec{}
		s.readFields(&r)
		m = s
	}
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
