package msg

import (
	"math"
	"reflect"
	"testing"
)

// The fast path must agree with the general coder: the same bytes, and the
// same value and type.
func TestFastPathMatchesGeneral(t *testing.T) {
	c := MustCodec()
	vals := []any{nil, true, false, 0, 1, -1, 127, 128, -32, -33, 255, 256, 65535, 65536, -129, -32769,
		math.MaxInt32, math.MinInt32, int64(math.MaxInt64), int64(math.MinInt64), uint64(math.MaxUint64),
		uint64(math.MaxInt64) + 1, 1.5, math.Inf(-1), "", "x", string(make([]byte, 40)), string(make([]byte, 300)),
		string(make([]byte, 70000)), []byte{}, []byte{1, 2}, make([]byte, 300), make([]byte, 70000), int32(-5), uint(7)}
	types := []reflect.Type{typeInt, typeInt64, typeInt32, typeUint64, typeUint, typeFloat64, typeString, typeBool}
	for _, v := range vals {
		raw, err := c.encs.Get().(*payloadEncoder).encode(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		if fastRaw, ok := appendScalar(nil, v); !ok || string(fastRaw) != string(raw) {
			t.Fatalf("appendScalar(%#v) = %x, %v; general encoder %x", v, fastRaw, ok, raw)
		}
		if _, isBytes := v.([]byte); isBytes {
			continue
		}
		fast, ok := fastAny(raw)
		if !ok {
			t.Fatalf("fastAny(%#v) not handled", v)
		}
		var slow any
		if err, _ := c.decodeInto(raw, &slow); err != nil {
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
				err, _ := c.decodeInto(raw, p.Interface())
				sok = err == nil
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

// PayloadAs agrees with DecodePayload, and decodes integers under an int
// spec without allocating.
func TestPayloadAsMatchesDecodePayload(t *testing.T) {
	c := MustCodec()
	vals := []any{nil, 0, 1, -1, 255, 256, 70000, -70000, int64(math.MaxInt64), int64(math.MinInt64),
		uint64(math.MaxUint64), 1.5, "x", true}
	for _, v := range vals {
		raw, err := c.EncodePayload(v)
		if err != nil {
			t.Fatal(err)
		}
		m := &Yield{Cid: "c", Pld: raw}
		checkAs[int](t, c, m, v)
		checkAs[int64](t, c, m, v)
		checkAs[string](t, c, m, v)
	}
	m, spec := &Yield{Cid: "c", Pld: Raw{0xcd, 0x12, 0x34}}, SpecFor[int]()
	if n := testing.AllocsPerRun(100, func() { _, _ = PayloadAs[int](c, m, spec) }); n != 0 {
		t.Errorf("PayloadAs[int] allocates %v times per call", n)
	}
}

func checkAs[T any](t *testing.T, c *Codec, m Msg, v any) {
	t.Helper()
	spec := SpecFor[T]()
	got, err := PayloadAs[T](c, m, spec)
	want, werr := c.DecodePayload(m, spec)
	if (err == nil) != (werr == nil) {
		t.Fatalf("%#v as %T: PayloadAs error %v, DecodePayload error %v", v, got, err, werr)
	}
	if err == nil {
		w, _ := want.(T)
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%#v as %T: PayloadAs %#v, DecodePayload %#v", v, got, got, w)
		}
	}
}

// AppendPayloadAs gives AppendPayload's bytes, and appends integers
// without allocating.
func TestAppendPayloadAsMatches(t *testing.T) {
	c := MustCodec()
	for _, v := range []int{0, 1, -1, 255, 256, -70000, math.MaxInt64, math.MinInt64} {
		got, err := AppendPayloadAs(c, nil, v)
		want, werr := c.AppendPayload(nil, v)
		if err != nil || werr != nil || string(got) != string(want) {
			t.Errorf("%d: AppendPayloadAs %x, %v; AppendPayload %x, %v", v, got, err, want, werr)
		}
	}
	if got, err := AppendPayloadAs(c, nil, "x"); err != nil || string(got) != "\xa1x" {
		t.Errorf("string: %x, %v", got, err)
	}
	if _, err := AppendPayloadAs(c, nil, make(chan int)); err == nil {
		t.Error("a channel encoded")
	}
	buf := make([]byte, 0, 16)
	v := 70000
	if n := testing.AllocsPerRun(100, func() { buf, _ = AppendPayloadAs(c, buf[:0], v) }); n != 0 {
		t.Errorf("AppendPayloadAs[int] allocates %v times per call", n)
	}
}

// FuzzDecodeShort: the short path decodes exactly what the general reader
// decodes, or leaves the input to it.
func FuzzDecodeShort(f *testing.F) {
	for _, m := range []Msg{
		&Yield{Cid: "c1", Pld: Raw{0xc4, 1, 7}},
		&Started{Cid: "", Pld: Raw{0x2a}},
		&Return{Cid: "r", Pld: Raw{0xc0}},
		&CancelAck{Cid: "x", Pld: Raw{0xc3}},
		&Stop{Cid: "s"},
		&Yield{Cid: "c", Pld: Raw{0x92, 0x91, 0x90, 0xa1, 'a'}},
		&Yield{Cid: "6ba7b810-9dad-41d1-80b4-00c04fd430c8", Pld: Raw{0x07}},
		&Stop{Cid: "6ba7b810-9dad-41d1-80b4-00c04fd430c8"},
	} {
		b, err := encodeMsg(nil, m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x93, 0x06, 0xa1})
	f.Add([]byte{0x92, 0x07, 0xa0, 0x00})
	f.Add([]byte{0x93, 0x06, 0xd9, 0x02, 'a'})
	f.Add([]byte{0x93, 0x06, 0xd9})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, strs := range []*strCache{nil, {}} {
			var d *Decoder
			if strs != nil {
				d = &Decoder{}
			}
			m, ok := decodeShort(b, strs, d)
			if !ok {
				continue
			}
			want, err := decodeAll(b, nil)
			if err != nil || !reflect.DeepEqual(m, want) {
				t.Fatalf("short path %#v, general %#v, %v", m, want, err)
			}
		}
	})
}

// FuzzScalarLen: scalarLen agrees with the general reader's skip on every
// value it claims to measure.
func FuzzScalarLen(f *testing.F) {
	for _, b := range [][]byte{{0x05}, {0xa2, 'h', 'i'}, {0xc4, 1, 0}, {0xc5, 0, 2, 1, 2}, {0xcb, 0, 0, 0, 0, 0, 0, 0, 0}, {0xd6, 1, 0, 0, 0, 0}, {0x91, 0x01}, {0xc1}} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n := scalarLen(b)
		if n < 0 || n > len(b) {
			return
		}
		r := reader{b: b[:n]}
		r.skip(0)
		if r.err != nil || r.i != n {
			t.Fatalf("scalarLen(% x) = %d, the reader says %d, %v", b, n, r.i, r.err)
		}
	})
}
