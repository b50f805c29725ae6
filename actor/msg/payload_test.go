package msg_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/hitchrt/hitch/actor/msg"
)

// W2: a payload outside the receiver's spec is a MsgTypeError naming the
// message type, the value, its type and the spec.
func TestPayloadOutsideSpec(t *testing.T) {
	c := msg.MustCodec()
	tests := []struct {
		name string
		give msg.Msg
		spec msg.Spec
		want []string
	}{
		{"string for int", &msg.Yield{Cid: "c1", Pld: mustPld(t, c, "hello")}, msg.SpecFor[int](),
			[]string{"Yield", `"hello"`, "type string", "spec int"}},
		{"int for string", &msg.Started{Cid: "c1", Pld: mustPld(t, c, 42)}, msg.SpecFor[string](),
			[]string{"Started", "42", "type int64", "spec string"}},
		{"overflow", &msg.Return{Cid: "c1", Pld: mustPld(t, c, 300)}, msg.SpecFor[int8](),
			[]string{"Return", "300", "spec int8"}},
		{"list for union", &msg.Yield{Cid: "c1", Pld: mustPld(t, c, []string{"a"})},
			msg.NewSpec(reflect.TypeFor[int](), reflect.TypeFor[string]()),
			[]string{"Yield", `"a"`, "[]interface {}", "spec int | string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := c.DecodePayload(tt.give, tt.spec)
			var mte *msg.MsgTypeError
			if !errors.As(err, &mte) {
				t.Fatalf("DecodePayload = %#v, %v; want *MsgTypeError", v, err)
			}
			if !errors.Is(err, msg.ErrMsgType) || mte.Sent || mte.Cid != "c1" || mte.Kind != tt.give.Kind() {
				t.Fatalf("bad MsgTypeError %#v", mte)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestPayloadInsideSpec(t *testing.T) {
	c := msg.MustCodec()
	union := msg.NewSpec(reflect.TypeFor[int](), reflect.TypeFor[string](), reflect.TypeFor[[]float64]())
	tests := []struct {
		name string
		give any
		spec msg.Spec
		want any
	}{
		{"int", 7, msg.SpecFor[int](), 7},
		{"uint8", 200, msg.SpecFor[uint8](), uint8(200)},
		{"float from int", 3, msg.SpecFor[float64](), 3.0},
		{"union int", 5, union, 5},
		{"union string", "s", union, "s"},
		{"union slice", []float64{1.5}, union, []float64{1.5}},
		{"bytes", []byte{1, 2}, msg.SpecFor[[]byte](), []byte{1, 2}},
		{"map", map[string]int{"a": 1}, msg.SpecFor[map[string]int](), map[string]int{"a": 1}},
		{"nil pointer", nil, msg.SpecFor[*int](), (*int)(nil)},
		{"any accepts", "x", msg.SpecFor[any](), "x"},
		{"Any spec", int64(-3), msg.Any, int64(-3)},
		{"big uint under Any", uint64(math.MaxUint64), msg.Any, uint64(math.MaxUint64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.DecodePayload(&msg.Yield{Pld: mustPld(t, c, tt.give)}, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestTypedPayload(t *testing.T) {
	c := msg.MustCodec()
	n, err := msg.Payload[int](c, &msg.Return{Pld: mustPld(t, c, 9)})
	if err != nil || n != 9 {
		t.Fatalf("Payload[int] = %v, %v", n, err)
	}
	if _, err := msg.Payload[int](c, &msg.Return{Pld: mustPld(t, c, "x")}); !errors.Is(err, msg.ErrMsgType) {
		t.Fatalf("Payload[int] of a string: %v", err)
	}
}

func TestCancelAckDecodesUnderAnySpec(t *testing.T) {
	c := msg.MustCodec()
	v, err := c.DecodePayload(&msg.CancelAck{Pld: mustPld(t, c, true)}, msg.SpecFor[string]())
	if err != nil || v != true {
		t.Fatalf("got %v, %v", v, err)
	}
}

func TestDecodePayloadOfNonPayload(t *testing.T) {
	c := msg.MustCodec()
	if _, err := c.DecodePayload(&msg.Stop{}, msg.Any); !errors.Is(err, msg.ErrInternal) {
		t.Fatalf("got %v", err)
	}
	if _, err := c.DecodePayload(nil, msg.Any); !errors.Is(err, msg.ErrInternal) {
		t.Fatalf("got %v", err)
	}
}

// W2: a started value outside the sender's own spec fails on the sender,
// before anything is sent.
func TestEncodeCheckedCatchesSenderMistake(t *testing.T) {
	c := msg.MustCodec()
	raw, err := c.EncodeChecked(msg.KindStarted, "not an int", msg.SpecFor[int]())
	var mte *msg.MsgTypeError
	if !errors.As(err, &mte) || raw != nil {
		t.Fatalf("EncodeChecked = %x, %v; want *MsgTypeError", raw, err)
	}
	if !mte.Sent || mte.Kind != msg.KindStarted || mte.ValueType != "string" {
		t.Fatalf("bad error %#v", mte)
	}
	for _, w := range []string{"cannot send", "Started", `"not an int"`, "type string", "spec int"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	raw, err = c.EncodeChecked(msg.KindStarted, 12, msg.SpecFor[int]())
	if err != nil {
		t.Fatal(err)
	}
	if v, err := c.DecodePayload(&msg.Started{Pld: raw}, msg.SpecFor[int]()); err != nil || v != 12 {
		t.Fatalf("checked payload decodes to %v, %v", v, err)
	}
}

// Point is a user type that needs a hook to travel.
type Point struct{ X, Y int32 }

func encPoint(p Point) ([]byte, error) {
	b := binary.BigEndian.AppendUint32(nil, uint32(p.X))
	return binary.BigEndian.AppendUint32(b, uint32(p.Y)), nil
}

func decPoint(b []byte) (Point, error) {
	if len(b) != 8 {
		return Point{}, fmt.Errorf("point: want 8 bytes, got %d", len(b))
	}
	return Point{int32(binary.BigEndian.Uint32(b)), int32(binary.BigEndian.Uint32(b[4:]))}, nil
}

// Temp is a named non-struct type: it travels as its underlying kind.
type Temp float64

// Job is a plain struct allowed with WithStruct.
type Job struct {
	ID   int
	Tags []string
	At   Point
}

// W3: user types with registered extension hooks round-trip as payloads.
func TestExtensionRoundTrip(t *testing.T) {
	c := msg.MustCodec(msg.WithExtension(7, encPoint, decPoint), msg.WithStruct[Job]())
	tests := []struct {
		name string
		give any
		spec msg.Spec
	}{
		{"ext value", Point{3, -4}, msg.SpecFor[Point]()},
		{"ext pointer", &Point{1, 2}, msg.SpecFor[*Point]()},
		{"ext in slice", []Point{{1, 1}, {2, 2}}, msg.SpecFor[[]Point]()},
		{"ext under Any", Point{5, 6}, msg.Any},
		{"struct with ext field", Job{ID: 1, Tags: []string{"a"}, At: Point{7, 8}}, msg.SpecFor[Job]()},
		{"named float", Temp(21.5), msg.SpecFor[Temp]()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := c.EncodeChecked(msg.KindStarted, tt.give, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			// The receiver has its own codec with the same registrations.
			rc := msg.MustCodec(msg.WithExtension(7, encPoint, decPoint), msg.WithStruct[Job]())
			b, err := c.Encode(nil, &msg.Yield{Cid: "c", Pld: raw})
			if err != nil {
				t.Fatal(err)
			}
			m, err := rc.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			got, err := rc.DecodePayload(m, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.give) {
				t.Fatalf("got %#v, want %#v", got, tt.give)
			}
		})
	}
}

// W3: without a hook the sender gets a clear encode error.
func TestUnregisteredTypeRefused(t *testing.T) {
	c := msg.MustCodec()
	tests := []struct {
		name string
		give any
		want string
	}{
		{"struct", Point{1, 2}, "msg_test.Point: no extension hook"},
		{"struct in slice", []Point{{}}, "msg_test.Point (inside []msg_test.Point): no extension hook"},
		{"struct in any", []any{1, Point{}}, "msg_test.Point: no extension hook"},
		{"struct in map", map[string]any{"p": &Point{}}, "msg_test.Point (inside *msg_test.Point): no extension hook"},
		{"chan", make(chan int), "chan int: chan values cannot travel"},
		{"func", func() {}, "func(): func values cannot travel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.EncodePayload(tt.give)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "msg: cannot encode payload") {
				t.Fatalf("EncodePayload(%T) = %v; want error containing %q", tt.give, err, tt.want)
			}
			_, err = c.EncodeChecked(msg.KindStarted, tt.give, msg.Any)
			if !errors.Is(err, msg.ErrMsgType) {
				t.Fatalf("EncodeChecked: %v, want a MsgTypeError", err)
			}
		})
	}
}

func TestExtensionHookErrors(t *testing.T) {
	failEnc := func(Point) ([]byte, error) { return nil, errors.New("point: refuses") }
	c := msg.MustCodec(msg.WithExtension(7, failEnc, decPoint))
	if _, err := c.EncodePayload(Point{}); err == nil || !strings.Contains(err.Error(), "point: refuses") {
		t.Fatalf("encode hook error lost: %v", err)
	}
	// A payload whose extension body is wrong: the hook's error comes back.
	bad := msg.Raw{0xd4, 7, 0} // fixext1, tag 7, one byte
	rc := msg.MustCodec(msg.WithExtension(7, encPoint, decPoint))
	_, err := rc.DecodePayload(&msg.Yield{Pld: bad}, msg.SpecFor[Point]())
	if !errors.Is(err, msg.ErrMsgType) {
		t.Fatalf("bad ext body: %v", err)
	}
	// Codec still usable after a failure.
	if _, err := rc.EncodePayload(Point{1, 1}); err != nil {
		t.Fatal(err)
	}
}

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		give []msg.Option
		want string
	}{
		{"zero tag", []msg.Option{msg.WithExtension(0, encPoint, decPoint)}, "WithExtension: tag 0 for msg_test.Point: want 1 to 127"},
		{"nil funcs", []msg.Option{msg.WithExtension[Point](3, nil, nil)}, "nil encode or decode"},
		{"dup tag", []msg.Option{msg.WithExtension(3, encPoint, decPoint), msg.WithExtension(3, func(Temp) ([]byte, error) { return nil, nil }, func([]byte) (Temp, error) { return 0, nil })}, "already used"},
		{"not struct", []msg.Option{msg.WithStruct[int]()}, "not a struct"},
		{"nil option", []msg.Option{nil}, "nil option"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := msg.NewCodec(tt.give...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewCodec = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

// TestDecodePayloadBounded: a payload that claims a huge container length
// is refused before the decoder allocates for it, under every spec, as
// Decode refuses such a frame.
func TestDecodePayloadBounded(t *testing.T) {
	c := msg.MustCodec()
	for _, raw := range []msg.Raw{
		{0xdd, 0xff, 0xff, 0xff, 0xff, 0x00}, // array of 4G elements
		{0xdf, 0xff, 0xff, 0xff, 0xff, 0x00}, // map of 4G pairs
		{0xc6, 0xff, 0xff, 0xff, 0xff, 0x00}, // 4 GiB of bytes
		{0x91, 0xdd, 0x7f, 0xff, 0xff, 0xff},
	} {
		for _, spec := range []msg.Spec{msg.Any, msg.SpecFor[[]int](), msg.SpecFor[map[string]int](), msg.SpecFor[[]byte]()} {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := c.DecodePayload(&msg.Yield{Cid: "c", Pld: raw}, spec)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, msg.ErrMsgType) {
				t.Fatalf("%x as %v: %v, want a MsgTypeError", raw, spec, err)
			}
			if d := after.TotalAlloc - before.TotalAlloc; d > 64<<10 {
				t.Fatalf("%x as %v allocated %d bytes", raw, spec, d)
			}
		}
	}
}

// TestCodecConcurrentUse: one Codec serves many goroutines at once, with
// types classified for the first time concurrently.
func TestCodecConcurrentUse(t *testing.T) {
	c := msg.MustCodec(msg.WithExtension(7, encPoint, decPoint), msg.WithStruct[Job]())
	vals := []any{42, "s", []any{1, "x"}, map[string]any{"a": 1.5}, Point{1, 2}, Job{ID: 1, Tags: []string{"t"}}, []int{1, 2}}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				v := vals[(g+i)%len(vals)]
				raw, err := c.EncodePayload(v)
				if err != nil {
					t.Error(err)
					return
				}
				frame, err := c.Encode(nil, &msg.Yield{Cid: "c", Pld: raw})
				if err != nil {
					t.Error(err)
					return
				}
				m, err := c.Decode(frame)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := c.DecodePayload(m, msg.Any); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
