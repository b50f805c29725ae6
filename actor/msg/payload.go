package msg

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/ugorji/go/codec"

	"github.com/hitchrt/hitch/internal/panics"
)

// EncodePayload encodes v as a payload. v must be a payload value (see the
// package doc); any other type is refused with an error naming it, before
// anything is encoded. The result is a new slice owned by the caller.
func (c *Codec) EncodePayload(v any) (Raw, error) {
	b, err := c.AppendPayload(nil, v)
	if err != nil {
		return nil, err
	}
	return Raw(b), nil
}

// AppendPayload is EncodePayload appending to dst, for callers that manage
// their own buffers.
func (c *Codec) AppendPayload(dst []byte, v any) ([]byte, error) {
	if out, ok := appendScalar(dst, v); ok {
		return out, nil
	}
	if err := c.checkValue(reflect.ValueOf(v), 0); err != nil {
		return dst, err
	}
	pe := c.encs.Get().(*payloadEncoder)
	out, err := pe.encode(dst, v)
	if err == nil {
		// After a failure the encoder's state is unknown: let it go.
		c.encs.Put(pe)
	}
	return out, err
}

// AppendPayloadAs is AppendPayload for a sender with a T in hand: an int
// or int64 is appended without an interface value on the way, so a stream
// of integers encodes its items without allocating; anything else takes
// AppendPayload.
func AppendPayloadAs[T any](c *Codec, dst []byte, v T) ([]byte, error) {
	switch x := any(v).(type) {
	case int:
		return appendSigned(dst, int64(x)), nil
	case int64:
		return appendSigned(dst, x), nil
	}
	return c.AppendPayload(dst, v)
}

func (pe *payloadEncoder) encode(dst []byte, v any) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = dst, recovered("encode", v, p)
		}
	}()
	pe.buf = pe.buf[:0]
	pe.enc.ResetBytes(&pe.buf)
	if err := pe.enc.Encode(v); err != nil {
		return dst, fmt.Errorf("msg: cannot encode payload of type %T: %w", v, unwrapExt(err))
	}
	return append(dst, pe.buf...), nil
}

// recovered turns a panic during payload coding into an error: an extension
// hook's own error, or an InternalError carrying the panic.
func recovered(op string, v any, p any) error {
	if x, ok := p.(extPanicErr); ok {
		return fmt.Errorf("msg: cannot %s payload of type %T: %w", op, v, x.err)
	}
	return &InternalError{Message: fmt.Sprintf("msg: %s of payload type %T panicked", op, v), Cause: panics.Capture(p, "msg payload "+op)}
}

// unwrapExt digs an extension hook's error out of one the codec wrapped.
func unwrapExt(err error) error {
	var x extPanicErr
	if errors.As(err, &x) {
		return x.err
	}
	return err
}

type extPanicErr struct{ err error }

func (e extPanicErr) Error() string { return e.err.Error() }

// EncodeChecked encodes v as the payload of a message of kind k and checks
// the encoding against the sender's own spec by decoding it again, so a
// value the peer would reject fails here, on the side that made the mistake.
// A mismatch is a *MsgTypeError with Sent set. Use it for Started values;
// stream items are checked only by their receiver.
func (c *Codec) EncodeChecked(k Kind, v any, spec Spec) (Raw, error) {
	raw, err := c.EncodePayload(v)
	if err != nil {
		return nil, &MsgTypeError{Kind: k, Value: v, ValueType: typeName(v), Spec: spec.String(), Sent: true, Cause: err}
	}
	if _, err := c.decodeSpec(raw, spec); err != nil {
		return nil, &MsgTypeError{Kind: k, Value: v, ValueType: typeName(v), Spec: spec.String(), Sent: true, Cause: err, BadMsg: raw}
	}
	return raw, nil
}

// DecodePayload decodes the payload of m (a Started, Yield, Return or
// CancelAck) against spec. A CancelAck decodes under any spec. A payload
// outside the spec is a *MsgTypeError naming the message type, the value
// as received, its type and the spec.
func (c *Codec) DecodePayload(m Msg, spec Spec) (any, error) {
	raw, ok := PayloadOf(m)
	if !ok {
		if m == nil {
			return nil, &InternalError{Message: "msg: DecodePayload: nil message"}
		}
		return nil, &InternalError{Message: fmt.Sprintf("msg: DecodePayload: %v messages carry no payload", m.Kind())}
	}
	if m.Kind() == KindCancelAck {
		spec = Any
	}
	v, err := c.decodeSpec(raw, spec)
	if err == nil {
		return v, nil
	}
	cid, _ := CidOf(m)
	mte := &MsgTypeError{Kind: m.Kind(), Cid: cid, Spec: spec.String(), Cause: err, BadMsg: raw}
	if gv, gerr := c.decodeSpec(raw, Any); gerr == nil {
		mte.Value, mte.ValueType = gv, typeName(gv)
	} else {
		mte.ValueType = "undecodable"
	}
	return nil, mte
}

// Payload decodes m's payload as a T (a one-type spec).
func Payload[T any](c *Codec, m Msg) (T, error) {
	return PayloadAs[T](c, m, SpecFor[T]())
}

// PayloadAs is DecodePayload for a receiver that wants a T, the spec's
// only type (a stream of T): the value comes back as a T, the zero T for
// a nil payload. It fails as DecodePayload does. An integer payload under
// a spec of int or int64 alone is decoded without an interface value on
// the way, so a stream of integers allocates nothing per item here.
func PayloadAs[T any](c *Codec, m Msg, spec Spec) (T, error) {
	if len(spec.types) == 1 && spec.types[0] == reflect.TypeFor[T]() && m != nil && m.Kind() != KindCancelAck {
		if raw, ok := PayloadOf(m); ok && len(raw) > 0 {
			if v, ok := fastAs[T](raw); ok {
				return v, nil
			}
		}
	}
	var zero T
	v, err := c.DecodePayload(m, spec)
	if err != nil {
		return zero, err
	}
	t, _ := v.(T)
	return t, nil
}

func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}

// decodeSpec decodes raw into the first spec type whose msgpack family
// matches raw's, or into any for the Any spec.
//
// Before the general decoder sees raw, raw's structure is checked as
// Decode checks a frame's: every container length must fit in the bytes
// left, so a payload built locally or relayed cannot make the decoder
// allocate more than a small multiple of its own size.
func (c *Codec) decodeSpec(raw Raw, spec Spec) (any, error) {
	if len(raw) == 0 {
		raw = Raw{0xc0}
	}
	if spec.IsAny() {
		if v, ok := fastAny(raw); ok {
			return v, nil
		}
		if err := validPayload(raw); err != nil {
			return nil, err
		}
		var out any
		if err, _ := c.decodeInto(raw, &out); err != nil {
			return nil, err
		}
		return out, nil
	}
	fam := family(raw)
	checked := false
	for _, t := range spec.types {
		if v, handled, ok := fastTyped(raw, t); handled {
			if ok {
				return v, nil
			}
			continue
		}
		if !c.accepts(t, fam) {
			continue
		}
		if !checked {
			if err := validPayload(raw); err != nil {
				return nil, err
			}
			checked = true
		}
		p := reflect.New(t)
		if err, panicked := c.decodeInto(raw, p.Interface()); err != nil {
			if panicked { // an extension hook's own error, or a codec bug
				return nil, err
			}
			continue
		}
		return p.Elem().Interface(), nil
	}
	return nil, fmt.Errorf("msg: a %s payload matches no type of the spec", fam)
}

// validPayload reports whether raw is exactly one well-formed msgpack value.
func validPayload(raw Raw) error {
	r := reader{b: raw, fld: "payload"}
	r.skip(0)
	if r.err == nil && r.i != len(raw) {
		r.fail(fmt.Sprintf("%d trailing bytes after the value", len(raw)-r.i))
	}
	if r.err != nil {
		return fmt.Errorf("msg: cannot decode payload: %w", r.err)
	}
	return nil
}

// decodeInto decodes raw into ptr with a pooled decoder; panicked reports
// a recovered panic (an extension hook's error, or a codec bug).
func (c *Codec) decodeInto(raw Raw, ptr any) (err error, panicked bool) {
	d := c.decs.Get().(*codec.Decoder)
	defer func() {
		if p := recover(); p != nil {
			err, panicked = recovered("decode", raw, p), true // d's state is unknown: drop it
			return
		}
		d.ResetBytes(nil) // hold no reference to raw while pooled
		c.decs.Put(d)
	}()
	d.ResetBytes(raw)
	if err := d.Decode(ptr); err != nil {
		return fmt.Errorf("msg: cannot decode payload: %w", unwrapExt(err)), false
	}
	return nil, false
}

// wireFamily is the msgpack type of a value's first byte; ext carries the
// extension tag.
type wireFamily struct {
	name string
	ext  int8
}

func (f wireFamily) String() string {
	if f.name == "extension" {
		return fmt.Sprintf("extension(%d)", f.ext)
	}
	return f.name
}

func family(raw Raw) wireFamily {
	c := raw[0]
	f := wireFamily{name: familyName(c)}
	if f.name == "extension" {
		switch {
		case c >= 0xd4 && c <= 0xd8 && len(raw) > 1:
			f.ext = int8(raw[1])
		case c == 0xc7 && len(raw) > 2:
			f.ext = int8(raw[2])
		case c == 0xc8 && len(raw) > 3:
			f.ext = int8(raw[3])
		case c == 0xc9 && len(raw) > 5:
			f.ext = int8(raw[5])
		}
	}
	return f
}

// accepts says whether a value of wire family f may decode into t.
func (c *Codec) accepts(t reflect.Type, f wireFamily) bool {
	if tag, ok := c.exts[t]; ok {
		return f.name == "extension" && int64(f.ext) == int64(tag)
	}
	if t == timeType {
		return f.name == "extension" && f.ext == -1
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer:
		return f.name == "nil" || c.accepts(t.Elem(), f)
	case reflect.Bool:
		return f.name == "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return f.name == "integer"
	case reflect.Float32, reflect.Float64:
		return f.name == "float" || f.name == "integer"
	case reflect.String:
		return f.name == "string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return f.name == "bytes" || f.name == "nil"
		}
		return f.name == "array" || f.name == "nil"
	case reflect.Array:
		return f.name == "array"
	case reflect.Map:
		return f.name == "map" || f.name == "nil"
	case reflect.Struct:
		return c.structs[t] && f.name == "map"
	}
	return false
}
