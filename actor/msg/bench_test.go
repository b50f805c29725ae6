package msg_test

import (
	"testing"

	"github.com/hitchrt/hitch/actor/msg"
)

// BenchmarkYieldEncodeDecode encodes and decodes one Yield carrying a small
// integer payload into a reused buffer: the per-message cost of the wire.
func BenchmarkYieldEncodeDecode(b *testing.B) {
	c := msg.MustCodec()
	y := &msg.Yield{Cid: "6ba7b810-9dad-11d1-80b4-00c04fd430c8", Pld: mustPld(b, c, 42)}
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		buf, err = c.Encode(buf[:0], y)
		if err != nil {
			b.Fatal(err)
		}
		m, err := c.Decode(buf)
		if err != nil {
			b.Fatal(err)
		}
		if len(m.(*msg.Yield).Pld) != 1 {
			b.Fatal("bad payload")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkPayloadDecode decodes a small integer payload against an int spec.
func BenchmarkPayloadDecode(b *testing.B) {
	c := msg.MustCodec()
	y := &msg.Yield{Cid: "c", Pld: mustPld(b, c, 42)}
	spec := msg.SpecFor[int]()
	b.ReportAllocs()
	for b.Loop() {
		v, err := c.DecodePayload(y, spec)
		if err != nil || v.(int) != 42 {
			b.Fatal(v, err)
		}
	}
}

// BenchmarkPayloadDecodeAny decodes a small integer payload under Any.
func BenchmarkPayloadDecodeAny(b *testing.B) {
	c := msg.MustCodec()
	y := &msg.Yield{Cid: "c", Pld: mustPld(b, c, 42)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.DecodePayload(y, msg.Any); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPayloadEncode encodes a small integer payload into a reused buffer.
func BenchmarkPayloadEncode(b *testing.B) {
	c := msg.MustCodec()
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = c.AppendPayload(buf[:0], 42); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPayloadDecodeStruct decodes a registered struct payload: the
// general (reflective) path.
func BenchmarkPayloadDecodeStruct(b *testing.B) {
	c := msg.MustCodec(msg.WithExtension(7, encPoint, decPoint), msg.WithStruct[Job]())
	y := &msg.Yield{Cid: "c", Pld: mustPld(b, c, Job{ID: 3, Tags: []string{"a", "b"}, At: Point{1, 2}})}
	spec := msg.SpecFor[Job]()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.DecodePayload(y, spec); err != nil {
			b.Fatal(err)
		}
	}
}
