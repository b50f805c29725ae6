package msg

import (
	"encoding/binary"
	"math"
	"reflect"
)

// The payload fast path: scalars of the predeclared types encode and
// decode here, without reflection or pooled state, giving exactly the bytes
// and values the general coder would. Other payloads and types take the
// general path.

var (
	typeInt     = reflect.TypeFor[int]()
	typeInt64   = reflect.TypeFor[int64]()
	typeInt32   = reflect.TypeFor[int32]()
	typeUint64  = reflect.TypeFor[uint64]()
	typeUint    = reflect.TypeFor[uint]()
	typeFloat64 = reflect.TypeFor[float64]()
	typeString  = reflect.TypeFor[string]()
	typeBool    = reflect.TypeFor[bool]()
)

// fastAny decodes a scalar payload the way the general decoder does under
// Any: integers as int64 (uint64 above MaxInt64), float64, string, bool,
// nil. ok is false when raw is not such a scalar.
func fastAny(raw Raw) (v any, ok bool) {
	r := reader{b: raw}
	c := raw[0]
	switch {
	case c == 0xc0:
		v, r.i = nil, 1
	case c == 0xc2 || c == 0xc3:
		v = r.boolean()
	case c == 0xcf:
		r.i = 1
		u := r.u64()
		if u > math.MaxInt64 {
			v = u
		} else {
			v = int64(u)
		}
	case c < 0x80 || c >= 0xe0 || (c >= 0xcc && c <= 0xd3):
		v = r.integer()
	case c == 0xcb:
		r.i = 1
		v = math.Float64frombits(r.u64())
	case c&0xe0 == 0xa0 || (c >= 0xd9 && c <= 0xdb):
		v = string(r.strBytes())
	default:
		return nil, false
	}
	if r.err != nil || r.i != len(raw) {
		return nil, false
	}
	return v, true
}

// fastTyped decodes raw as t when t is a predeclared scalar type the fast
// path knows. handled is false for other types; ok reports a match.
func fastTyped(raw Raw, t reflect.Type) (v any, handled, ok bool) {
	switch t {
	case typeInt, typeInt64, typeInt32, typeUint64, typeUint, typeFloat64, typeString, typeBool:
	default:
		return nil, false, false
	}
	if t == typeInt || t == typeInt64 || t == typeInt32 {
		if i, isInt := fastInt(raw); isInt {
			// Straight to t: no int64 boxed on the way.
			switch {
			case t == typeInt && int64(int(i)) == i:
				return int(i), true, true
			case t == typeInt64:
				return i, true, true
			case t == typeInt32 && i >= math.MinInt32 && i <= math.MaxInt32:
				return int32(i), true, true
			}
			return nil, true, false
		}
	}
	a, isScalar := fastAny(raw)
	if !isScalar {
		return nil, true, false
	}
	switch t {
	case typeInt:
		if i, ok := a.(int64); ok && int64(int(i)) == i {
			return int(i), true, true
		}
	case typeInt64:
		if i, ok := a.(int64); ok {
			return i, true, true
		}
	case typeInt32:
		if i, ok := a.(int64); ok && i >= math.MinInt32 && i <= math.MaxInt32 {
			return int32(i), true, true
		}
	case typeUint64, typeUint:
		var u uint64
		switch x := a.(type) {
		case int64:
			if x < 0 {
				return nil, true, false
			}
			u = uint64(x)
		case uint64:
			u = x
		default:
			return nil, true, false
		}
		if t == typeUint {
			if uint64(uint(u)) != u {
				return nil, true, false
			}
			return uint(u), true, true
		}
		return u, true, true
	case typeFloat64:
		switch x := a.(type) {
		case float64:
			return x, true, true
		case int64:
			return float64(x), true, true
		case uint64:
			return float64(x), true, true
		}
	case typeString:
		if s, ok := a.(string); ok {
			return s, true, true
		}
	case typeBool:
		if b, ok := a.(bool); ok {
			return b, true, true
		}
	}
	return nil, true, false
}

// fastInt decodes raw when it is exactly one integer that fits an int64
// (what fastAny reports as an int64); ok is false for anything else, a
// uint64 beyond MaxInt64 included.
func fastInt(raw Raw) (i int64, ok bool) {
	c := raw[0]
	if !(c < 0x80 || c >= 0xe0 || (c >= 0xcc && c <= 0xd3)) {
		return 0, false
	}
	r := reader{b: raw}
	i = r.integer()
	if r.err != nil || r.i != len(raw) {
		return 0, false
	}
	return i, true
}

// fastAs decodes raw as a T without an interface value when T is int or
// int64 and raw an integer that fits; ok is false otherwise (the general
// path decides, and reports the errors).
func fastAs[T any](raw Raw) (v T, ok bool) {
	switch p := any(&v).(type) {
	case *int:
		if i, isInt := fastInt(raw); isInt && int64(int(i)) == i {
			*p = int(i)
			return v, true
		}
	case *int64:
		if i, isInt := fastInt(raw); isInt {
			*p = i
			return v, true
		}
	}
	return v, false
}

// appendScalar encodes v the way the general encoder does when v is nil or
// a scalar of a predeclared type; ok is false for anything else.
func appendScalar(dst []byte, v any) (out []byte, ok bool) {
	switch x := v.(type) {
	case nil:
		return appendNil(dst), true
	case bool:
		return appendBool(dst, x), true
	case int:
		return appendSigned(dst, int64(x)), true
	case int64:
		return appendSigned(dst, x), true
	case int32:
		return appendSigned(dst, int64(x)), true
	case uint:
		return appendUint(dst, uint64(x)), true
	case uint64:
		return appendUint(dst, x), true
	case float64:
		return binary.BigEndian.AppendUint64(append(dst, 0xcb), math.Float64bits(x)), true
	case string:
		return appendStr(dst, x), true
	case []byte:
		if x == nil {
			return appendNil(dst), true
		}
		return appendBin(dst, x), true
	}
	return dst, false
}

// appendSigned writes a signed integer as the general encoder does: one
// byte from -32 to 127, else the smallest signed form (a positive value
// above 127 is still written as int16, int32 or int64, not as unsigned).
func appendSigned(b []byte, i int64) []byte {
	switch {
	case i >= -32 && i <= math.MaxInt8:
		return append(b, byte(i))
	case i > math.MaxInt8 && i <= math.MaxInt16, i < math.MinInt8 && i >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(i))
	case i >= math.MinInt8 && i < -32:
		return append(b, 0xd0, byte(i))
	case i >= math.MinInt32 && i <= math.MaxInt32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(i))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(i))
}
