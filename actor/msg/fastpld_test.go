package msg

import (
	"math"
	"reflect"
	"testing"
)

// The fast path must agree with the general decoder, value and type.
func TestFastPathMatchesGeneral(t *testing.T) {
	c := MustCodec()
	vals := []any{nil, true, false, 0, 1, -1, 127, 128, -32, -33, 255, 256, 65535, 65536, -129, -32769,
		math.MaxInt32, math.MinInt32, int64(math.MaxInt64), int64(math.MinInt64), uint64(math.MaxUint64),
		uint64(math.MaxInt64) + 1, 1.5, math.Inf(-1), "", "x", string(make([]byte, 40)), string(make([]byte, 300))}
	types := []reflect.Type{typeInt, typeInt64, typeInt32, typeUint64, typeUint, typeFloat64, typeString, typeBool}
	for _, v := range vals {
		raw, err := c.EncodePayload(v)
		if err != nil {
			t.Fatal(err)
		}
		fast, ok := fastAny(raw)
		if !ok {
			t.Fatalf("fastAny(%#v) not handled", v)
		}
		var slow any
		c.dec.ResetBytes(raw)
		if err := c.dec.Decode(&slow); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Errorf("Any %#v: fast %#v (%T), general %#v (%T)", v, fast, fast, slow, slow)
		}
		for _, typ := range types {
			fv, handled, fok := fastTyped(raw, typ)
			if !handled {
				t.Fatalf("%v not handled", typ)
			}
			p := reflect.New(typ)
			sok := false
			if c.accepts(typ, family(raw)) {
				c.dec.ResetBytes(raw)
				sok = c.dec.Decode(p.Interface()) == nil
			}
			if _, big := v.(uint64); big && v.(uint64) > math.MaxInt64 && typ != typeUint64 && typ != typeUint {
				// The general decoder wraps these to negative numbers; the
				// fast path refuses them (or, for float64, keeps the value).
				if fok && typ != typeFloat64 {
					t.Errorf("%#v as %v: fast accepted %#v", v, typ, fv)
				}
				continue
			}
			if fok != sok || (fok && !reflect.DeepEqual(fv, p.Elem().Interface())) {
				t.Errorf("%#v as %v: fast %#v/%v, general %#v/%v", v, typ, fv, fok, p.Elem().Interface(), sok)
			}
		}
	}
}
