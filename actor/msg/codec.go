package msg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"sync"

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
	if len(r) == 0 || scalarLen(r) == len(r) {
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
func (c *Codec) Decode(b []byte) (m Msg, err error) { return decode(b, nil) }

// A Decoder decodes a stream of messages as [Codec.Decode] does, and
// remembers the last few strings it decoded: a dialog id repeats on every
// message of a stream, and a string seen recently is reused rather than
// allocated again. A Decoder is for one goroutine at a time; the zero
// Decoder is not usable, make one with [Codec.NewDecoder].
type Decoder struct {
	strs   strCache
	yields []Yield // Yields are carved from here, yieldChunk at a time
}

// yieldChunk is how many Yields a Decoder allocates at once: one
// allocation for many stream items. A Yield kept alive keeps its chunk
// (under 2 KiB) alive.
const yieldChunk = 32

// NewDecoder returns a Decoder for one stream of messages.
func (c *Codec) NewDecoder() *Decoder { return &Decoder{} }

// Decode decodes exactly one message from b, as [Codec.Decode] does.
func (d *Decoder) Decode(b []byte) (Msg, error) {
	if m, ok := decodeShort(b, &d.strs, d); ok {
		return m, nil
	}
	return decodeAll(b, &d.strs)
}

// newYield returns a zero Yield from the current chunk.
func (d *Decoder) newYield() *Yield {
	if len(d.yields) == 0 {
		d.yields = make([]Yield, yieldChunk)
	}
	y := &d.yields[0]
	d.yields = d.yields[1:]
	return y
}

// strCache holds recently decoded strings, replaced round-robin.
type strCache struct {
	s    [8]string
	next int
}

// get returns a string equal to b, from the cache when there is one.
func (sc *strCache) get(b []byte) string {
	for _, s := range &sc.s {
		if len(s) == len(b) && s == string(b) { // compared without a copy
			return s
		}
	}
	s := string(b)
	sc.s[sc.next] = s
	sc.next = (sc.next + 1) % len(sc.s)
	return s
}

func decode(b []byte, strs *strCache) (m Msg, err error) {
	if m, ok := decodeShort(b, strs, nil); ok {
		return m, nil
	}
	return decodeAll(b, strs)
}

// decodeShort decodes the messages that carry a stream, when they are
// small and well formed, with no more than the checks they need: a
// three-element array of kind, a dialog id under 256 bytes and a payload
// (Started, Yield, Return, CancelAck), or a two-element one without the
// payload (Stop). Anything else, including every malformed input, is left
// to decodeAll (ok false), which gives the same result or the error.
func decodeShort(b []byte, strs *strCache, d *Decoder) (m Msg, ok bool) {
	if len(b) < 3 || (b[0] != 0x93 && b[0] != 0x92) {
		return nil, false
	}
	// The dialog id: a fixstr, or a str8 (a UUID's 36 bytes).
	var start, end int
	switch {
	case b[2]&0xe0 == 0xa0:
		start, end = 3, 3+int(b[2]&0x1f)
	case b[2] == 0xd9 && len(b) > 3:
		start, end = 4, 4+int(b[3])
	default:
		return nil, false
	}
	if end > len(b) {
		return nil, false
	}
	var cid string
	switch {
	case end == start:
	case strs != nil:
		cid = strs.get(b[start:end])
	default:
		cid = string(b[start:end])
	}
	if b[0] == 0x92 {
		if Kind(b[1]) != KindStop || end != len(b) {
			return nil, false
		}
		return &Stop{Cid: cid}, true
	}
	var pld Raw
	switch rest := b[end:]; {
	case len(rest) == 1 && rest[0] == 0xc0: // nil
	case scalarLen(rest) == len(rest):
		pld = Raw(rest[:len(rest):len(rest)])
	default:
		r := reader{b: b, i: end}
		pld = r.raw()
		if r.err != nil || r.i != len(b) {
			return nil, false
		}
	}
	switch Kind(b[1]) {
	case KindYield:
		if d != nil {
			y := d.newYield()
			y.Cid, y.Pld = cid, pld
			return y, true
		}
		return &Yield{Cid: cid, Pld: pld}, true
	case KindStarted:
		return &Started{Cid: cid, Pld: pld}, true
	case KindReturn:
		return &Return{Cid: cid, Pld: pld}, true
	case KindCancelAck:
		return &CancelAck{Cid: cid, Pld: pld}, true
	}
	return nil, false
}

// scalarLen returns the length of the msgpack value b starts with when it
// is not a container (nil, bool, number, string, bytes, extension), read
// from its header alone, or -1: a container, an invalid byte, or too
// short a header. The value's bytes are not checked to be all there.
func scalarLen(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	c := b[0]
	switch {
	case c < 0x80 || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		return 1
	case c&0xe0 == 0xa0:
		return 1 + int(c&0x1f)
	case c == 0xc4 || c == 0xd9: // bin8, str8
		if len(b) < 2 {
			return -1
		}
		return 2 + int(b[1])
	case c == 0xc5 || c == 0xda: // bin16, str16
		if len(b) < 3 {
			return -1
		}
		return 3 + int(binary.BigEndian.Uint16(b[1:]))
	case c == 0xc6 || c == 0xdb: // bin32, str32
		if len(b) < 5 {
			return -1
		}
		return 5 + int(binary.BigEndian.Uint32(b[1:]))
	case c == 0xcc || c == 0xd0:
		return 2
	case c == 0xcd || c == 0xd1:
		return 3
	case c == 0xca || c == 0xce || c == 0xd2:
		return 5
	case c == 0xcb || c == 0xcf || c == 0xd3:
		return 9
	case c >= 0xd4 && c <= 0xd8: // fixext 1, 2, 4, 8, 16
		return 2 + 1<<(c-0xd4)
	}
	return -1
}

// decodeAll decodes any message with the general reader.
func decodeAll(b []byte, strs *strCache) (m Msg, err error) {
	defer func() {
		if v := recover(); v != nil {
			m, err = nil, &InternalError{Message: "msg: Decode panicked", Cause: panics.Capture(v, "msg.Decode")}
		}
	}()
	r := reader{b: b, cache: strs}
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
