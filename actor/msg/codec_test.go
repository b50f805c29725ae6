package msg_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/hitchrt/hitch/actor/msg"
)

func mustPld(t testing.TB, c *msg.Codec, v any) msg.Raw {
	t.Helper()
	r, err := c.EncodePayload(v)
	if err != nil {
		t.Fatalf("EncodePayload(%#v): %v", v, err)
	}
	return r
}

// allMessages returns one fully populated message of every kind.
func allMessages(t testing.TB, c *msg.Codec) []msg.Msg {
	src := msg.ActorID{Name: "leaf", UID: "5f0c3a2e-0000-4000-8000-000000000001"}
	mid := msg.ActorID{Name: "mid", UID: "5f0c3a2e-0000-4000-8000-000000000002"}
	return []msg.Msg{
		&msg.Identity{Name: "child", UID: src.UID, PID: 4242, IsRegistry: true, Probe: true, Nonce: []byte{1, 2, 3}, Proof: []byte("proof")},
		&msg.SpawnSpec{
			Name: "child", UID: src.UID, Parent: mid,
			Vars:          msg.RuntimeVars{DebugMode: true, LogLevel: "DEBUG", Infected: true, BusyPoll: "20µs", Extra: map[string]string{"a": "1", "b": "2"}},
			RegistryAddrs: []string{"tcp://127.0.0.1:1616"}, BindAddrs: []string{"unix:///tmp/x.sock"}, Endpoints: []string{"math.add", "echo"},
		},
		&msg.Start{Cid: "cid-1", NS: "math", Func: "add", Args: mustPld(t, c, []any{int64(1), int64(2)}), CallerUID: mid.UID, PayloadSpec: "int"},
		&msg.StartAck{Cid: "cid-1", FuncKind: msg.FuncContext},
		&msg.Started{Cid: "cid-1", Pld: mustPld(t, c, "ready")},
		&msg.Yield{Cid: "cid-1", Pld: mustPld(t, c, 7)},
		&msg.Stop{Cid: "cid-1"},
		&msg.Return{Cid: "cid-1", Pld: mustPld(t, c, map[string]any{"sum": 3})},
		&msg.CancelAck{Cid: "cid-1", Pld: mustPld(t, c, true)},
		&msg.Error{
			Cid: "cid-1", Src: src, SrcTypeName: "ValueError", BoxedTypeName: "RemoteActorError",
			RelayPath: []msg.ActorID{src, mid}, Message: "boom", StackText: "goroutine 1 [running]:\nmain.main()",
			Canceller: mid, Sender: src, BadMsg: mustPld(t, c, "bad"), BadMsgDict: map[string]string{"kind": "Yield"},
		},
	}
}

// W1: every message type round-trips; payloads stay raw until decoded.
func TestRoundTripEveryKind(t *testing.T) {
	c := msg.MustCodec()
	msgs := allMessages(t, c)
	seen := map[msg.Kind]bool{}
	for _, m := range msgs {
		t.Run(m.Kind().String(), func(t *testing.T) {
			b, err := c.Encode(nil, m)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			got, err := c.Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, m) {
				t.Fatalf("round trip:\n got %#v\nwant %#v", got, m)
			}
			seen[m.Kind()] = true
		})
	}
	for k := msg.Kind(1); k.Valid(); k++ {
		if !seen[k] {
			t.Errorf("kind %v not covered", k)
		}
	}
}

func TestPayloadStaysRaw(t *testing.T) {
	c := msg.MustCodec()
	pld := mustPld(t, c, []any{"a", int64(2), map[string]any{"k": 1.5}})
	b, err := c.Encode(nil, &msg.Yield{Cid: "x", Pld: pld})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	y := m.(*msg.Yield)
	if string(y.Pld) != string(pld) {
		t.Fatalf("payload bytes changed: got %x want %x", y.Pld, pld)
	}
	v, err := c.DecodePayload(y, msg.Any)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"a", int64(2), map[any]any{"k": 1.5}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("decoded %#v, want %#v", v, want)
	}
}

func TestEncodeAppends(t *testing.T) {
	c := msg.MustCodec()
	b, _ := c.Encode([]byte("hdr"), &msg.Stop{Cid: "c"})
	if !strings.HasPrefix(string(b), "hdr") {
		t.Fatalf("prefix lost: %q", b)
	}
	if _, err := c.Decode(b[3:]); err != nil {
		t.Fatal(err)
	}
}

func TestEncodeRejects(t *testing.T) {
	c := msg.MustCodec()
	tests := []struct {
		name string
		give msg.Msg
		want string
	}{
		{"nil", nil, "nil message"},
		{"nil pointer", (*msg.Yield)(nil), "nil message"},
		{"bad raw", &msg.Yield{Cid: "c", Pld: msg.Raw{0x92, 0x01}}, "Yield field Pld"},
		{"two values", &msg.Return{Cid: "c", Pld: msg.Raw{0x01, 0x02}}, "trailing bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Encode(nil, tt.give)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Encode(%#v) = %v, want error containing %q", tt.give, err, tt.want)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	c := msg.MustCodec()
	tests := []struct {
		name string
		give []byte
		want string
	}{
		{"empty", nil, "unexpected end of input"},
		{"not array", []byte{0xa1, 'x'}, "want an array"},
		{"empty array", []byte{0x90}, "empty message array"},
		{"unknown kind", []byte{0x92, 99, 0xa0}, "unknown message kind 99"},
		{"zero kind", []byte{0x91, 0}, "unknown message kind 0"},
		{"kind not int", []byte{0x91, 0xa0}, "want an integer"},
		{"truncated", []byte{0x93, byte(msg.KindYield), 0xa5, 'a'}, "Yield field Cid"},
		{"trailing", []byte{0x92, byte(msg.KindStop), 0xa0, 0x00}, "1 trailing bytes"},
		{"huge array", []byte{0xdd, 0xff, 0xff, 0xff, 0xff}, "exceeds the input"},
		{"bad field type", []byte{0x92, byte(msg.KindStop), 0x01}, "want a string"},
		{"invalid byte", []byte{0x93, byte(msg.KindYield), 0xa0, 0xc1}, "invalid msgpack byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := c.Decode(tt.give)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode(%x) = %v, %v; want error containing %q", tt.give, m, err, tt.want)
			}
			if !errors.Is(err, msg.ErrMalformed) {
				t.Fatalf("error %v does not match ErrMalformed", err)
			}
		})
	}
}

// Fewer fields (an older sender) leave zeros; more fields (a newer sender)
// are skipped.
func TestFieldEvolution(t *testing.T) {
	c := msg.MustCodec()
	m, err := c.Decode([]byte{0x91, byte(msg.KindYield)})
	if err != nil || !reflect.DeepEqual(m, &msg.Yield{}) {
		t.Fatalf("short: %#v, %v", m, err)
	}
	m, err = c.Decode([]byte{0x94, byte(msg.KindStop), 0xa1, 'c', 0x92, 0x01, 0xa0, 0xc3})
	if err != nil || !reflect.DeepEqual(m, &msg.Stop{Cid: "c"}) {
		t.Fatalf("long: %#v, %v", m, err)
	}
}

// TestDecoderReusesStrings: a Decoder decodes as Codec.Decode does and
// hands out the same string for a dialog id it saw recently.
func TestDecoderReusesStrings(t *testing.T) {
	c := msg.MustCodec()
	d := c.NewDecoder()
	var cids []string
	for i := range 3 {
		b, err := c.Encode(nil, &msg.Yield{Cid: "dialog-7", Pld: msg.Raw{byte(i)}})
		if err != nil {
			t.Fatal(err)
		}
		m, err := d.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := c.Decode(b)
		if !reflect.DeepEqual(m, want) {
			t.Fatalf("Decoder = %#v, Codec = %#v", m, want)
		}
		cids = append(cids, m.(*msg.Yield).Cid)
	}
	if unsafe.StringData(cids[0]) != unsafe.StringData(cids[2]) {
		t.Error("the repeated dialog id was allocated again")
	}
	if _, err := d.Decode([]byte{0x91}); !errors.Is(err, msg.ErrMalformed) {
		t.Fatalf("bad input = %v", err)
	}
}
