package msg

import (
	"errors"
	"fmt"
	"reflect"

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
func (c *Codec) AppendPayload(dst []byte, v any) (out []byte, err error) {
	if err := c.checkValue(reflect.ValueOf(v), 0); err != nil {
		return dst, err
	}
	defer func() {
		if p := recover(); p != nil {
			out, err = dst, recovered("encode", v, p)
		}
	}()
	c.buf = c.buf[:0]
	c.enc.ResetBytes(&c.buf)
	if err := c.enc.Encode(v); err != nil {
		return dst, fmt.Errorf("msg: cannot encode payload of type %T: %w", v, unwrapExt(err))
	}
	return append(dst, c.buf...), nil
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
	var zero T
	v, err := c.DecodePayload(m, SpecFor[T]())
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
func (c *Codec) decodeSpec(raw Raw, spec Spec) (v any, err error) {
	if len(raw) == 0 {
		raw = Raw{0xc0}
	}
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, recovered("decode", raw, p)
		}
	}()
	if spec.IsAny() {
		if v, ok := fastAny(raw); ok {
			return v, nil
		}
		var out any
		c.dec.ResetBytes(raw)
		if err := c.dec.Decode(&out); err != nil {
			return nil, fmt.Errorf("msg: cannot decode payload: %w", unwrapExt(err))
		}
		return out, nil
	}
	fam := family(raw)
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
		p := reflect.New(t)
		c.dec.ResetBytes(raw)
		if err := c.dec.Decode(p.Interface()); err != nil {
			continue
		}
		return p.Elem().Interface(), nil
	}
	return nil, fmt.Errorf("msg: a %s payload matches no type of the spec", fam)
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
