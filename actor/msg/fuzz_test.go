package msg_test

import (
	"reflect"
	"testing"

	"github.com/hitchrt/hitch/actor/msg"
)

// FuzzDecode feeds arbitrary bytes to Decode. Decode must not panic; what
// it accepts must re-encode and decode to the same message, and a payload
// in it must decode (or fail) under Any without panicking. The seed corpus
// in testdata/fuzz/FuzzDecode holds a valid message of every kind and some
// garbage; plain `go test` runs it.
func FuzzDecode(f *testing.F) {
	c := msg.MustCodec()
	for _, m := range allMessages(f, c) {
		b, err := c.Encode(nil, m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := c.Decode(b)
		if err != nil {
			if m != nil {
				t.Fatalf("Decode returned %#v with error %v", m, err)
			}
			return
		}
		b2, err := c.Encode(nil, m)
		if err != nil {
			t.Fatalf("re-encode of %#v: %v", m, err)
		}
		m2, err := c.Decode(b2)
		if err != nil {
			t.Fatalf("decode of re-encoded %x: %v", b2, err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("unstable round trip:\n%#v\n%#v", m, m2)
		}
		if _, ok := msg.PayloadOf(m); ok {
			_, _ = c.DecodePayload(m, msg.Any)
			_, _ = c.DecodePayload(m, msg.SpecFor[int]())
		}
		if e, ok := m.(*msg.Error); ok {
			_ = msg.UnpackError(e).Tree()
		}
	})
}

// FuzzDecodePayload feeds arbitrary bytes to the payload decoder under
// several specs, with an extension registered: it must not panic.
func FuzzDecodePayload(f *testing.F) {
	c := msg.MustCodec(msg.WithExtension(7, encPoint, decPoint), msg.WithStruct[Job]())
	for _, v := range []any{42, "s", []any{1, "x"}, map[string]any{"a": 1.5}, Point{1, 2}, Job{ID: 1}, []byte{1}, nil, true} {
		f.Add([]byte(mustPld(f, c, v)))
	}
	specs := []msg.Spec{msg.Any, msg.SpecFor[int](), msg.SpecFor[Point](), msg.SpecFor[Job](), msg.SpecFor[[]string](), msg.SpecFor[map[string]int]()}
	f.Fuzz(func(t *testing.T, b []byte) {
		y := &msg.Yield{Pld: b}
		for _, s := range specs {
			_, _ = c.DecodePayload(y, s)
		}
	})
}
