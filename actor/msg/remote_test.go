package msg_test

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/internal/panics"
)

var (
	leaf = msg.ActorID{Name: "leaf", UID: "11111111-aaaa-4000-8000-000000000001"}
	mid  = msg.ActorID{Name: "mid", UID: "22222222-bbbb-4000-8000-000000000002"}
	root = msg.ActorID{Name: "root", UID: "33333333-cccc-4000-8000-000000000003"}
)

// wire sends an Error message through a real encode and decode.
func wire(t *testing.T, m *msg.Error) *msg.Error {
	t.Helper()
	c := msg.MustCodec()
	b, err := c.Encode(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return got.(*msg.Error)
}

func panicErr() (err error) {
	defer func() { err = panics.Capture(recover(), "task work") }()
	panic("boom")
}

// W6: a RemoteActorError relayed through two actors keeps the source actor,
// the relay path and the original stack text, and renders them.
func TestRelayThroughTwoActors(t *testing.T) {
	orig := panicErr()
	// leaf packs its own error; mid receives it.
	atMid := msg.UnpackError(wire(t, msg.PackError(orig, "cid-9", leaf)))
	// mid's task fails with it (wrapped), mid relays to root.
	relayed := fmt.Errorf("mid: calling leaf: %w", atMid)
	atRoot := msg.UnpackError(wire(t, msg.PackError(relayed, "", mid)))

	if atRoot.Src != leaf || atRoot.SrcTypeName != "panics.Error" || atRoot.BoxedTypeName != "RemoteActorError" {
		t.Fatalf("source lost: %+v", atRoot)
	}
	if want := []msg.ActorID{leaf, mid}; fmt.Sprint(atRoot.RelayPath) != fmt.Sprint(want) {
		t.Fatalf("relay path %v, want %v", atRoot.RelayPath, want)
	}
	if !atRoot.IsRelayed() || atRoot.RelayUID() != mid || atRoot.Cid != "cid-9" {
		t.Fatalf("relay info: relayed=%v relay=%v cid=%q", atRoot.IsRelayed(), atRoot.RelayUID(), atRoot.Cid)
	}
	if atRoot.StackText == "" || atRoot.StackText != atMid.StackText || !strings.Contains(atRoot.StackText, "panicErr") {
		t.Fatalf("original stack lost:\n%s", atRoot.StackText)
	}
	if !errors.Is(atRoot, msg.ErrRemote) {
		t.Fatal("not ErrRemote")
	}

	tree := fmt.Sprintf("%+v", atRoot)
	for _, w := range []string{
		"RemoteActorError: remote panics.Error from leaf@11111111: panic in task work: boom",
		" |_src: leaf@11111111 (panics.Error)",
		" |_src uid: " + leaf.UID,
		" |_boxed as: RemoteActorError",
		" |_relay path:\n   |_leaf@11111111\n   |_mid@22222222\n",
		" |_stack:\n     goroutine ",
	} {
		if !strings.Contains(tree, w) {
			t.Errorf("tree lacks %q:\n%s", w, tree)
		}
	}
	if line := atRoot.Error(); strings.Contains(line, "\n") || !strings.Contains(line, "via mid@22222222") {
		t.Errorf("one-line form %q", line)
	}
}

func TestPackSetsSourceAndPath(t *testing.T) {
	m := msg.PackError(&fs.PathError{Op: "open", Path: "/x", Err: fs.ErrNotExist}, "c", leaf)
	if m.Src != leaf || m.SrcTypeName != "fs.PathError" || m.BoxedTypeName != "fs.PathError" ||
		len(m.RelayPath) != 1 || m.RelayPath[0] != leaf || m.Message != "open /x: file does not exist" {
		t.Fatalf("%+v", m)
	}
}

func TestUnwrapToKnownTypes(t *testing.T) {
	msg.RegisterErrorType("msg_test.quota", func(s string) error { return &quotaErr{s} })
	t.Cleanup(func() { msg.RegisterErrorType("msg_test.quota", nil) })

	tests := []struct {
		name  string
		give  error
		check func(t *testing.T, e *msg.RemoteActorError)
	}{
		{"context cancelled", &msg.ContextCancelled{Canceller: root, Message: "bye"}, func(t *testing.T, e *msg.RemoteActorError) {
			var cc *msg.ContextCancelled
			if !errors.As(e, &cc) || cc.Canceller != root || !errors.Is(e, msg.ErrContextCancelled) || e.Canceller != root {
				t.Fatalf("%#v", e)
			}
		}},
		{"overrun", &msg.StreamOverrun{Cid: "c", Sender: leaf}, func(t *testing.T, e *msg.RemoteActorError) {
			var so *msg.StreamOverrun
			if !errors.As(e, &so) || so.Sender != leaf || !errors.Is(e, msg.ErrStreamOverrun) {
				t.Fatalf("%#v", e)
			}
		}},
		{"type error", &msg.MsgTypeError{Kind: msg.KindYield, Cid: "c", Value: "x", ValueType: "string", Spec: "int"}, func(t *testing.T, e *msg.RemoteActorError) {
			var mte *msg.MsgTypeError
			if !errors.As(e, &mte) || mte.Kind != msg.KindYield || mte.Spec != "int" || mte.ValueType != "string" {
				t.Fatalf("%#v", mte)
			}
			if want := `msg: invalid Yield payload "x" of type string does not match spec int`; mte.Error() != want {
				t.Fatalf("unpacked text %q, want %q", mte.Error(), want)
			}
		}},
		{"internal", &msg.InternalError{Message: "bad state"}, func(t *testing.T, e *msg.RemoteActorError) {
			if !errors.Is(e, msg.ErrInternal) {
				t.Fatalf("%#v", e)
			}
		}},
		{"registered", &quotaErr{"over quota"}, func(t *testing.T, e *msg.RemoteActorError) {
			var q *quotaErr
			if !errors.As(e, &q) || q.s != "over quota" {
				t.Fatalf("%#v", e)
			}
		}},
		{"unknown", errors.New("plain"), func(t *testing.T, e *msg.RemoteActorError) {
			if e.Unwrap() != nil || e.SrcTypeName != "errors.errorString" || e.Message != "plain" {
				t.Fatalf("%#v", e)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, msg.UnpackError(wire(t, msg.PackError(tt.give, "c", leaf))))
		})
	}
}

type quotaErr struct{ s string }

func (e *quotaErr) Error() string         { return e.s }
func (e *quotaErr) ErrorTypeName() string { return "msg_test.quota" }

func TestUnpackNeverFails(t *testing.T) {
	if e := msg.UnpackError(nil); e == nil || !errors.Is(e, msg.ErrInternal) {
		t.Fatalf("%v", e)
	}
	if e := msg.UnpackError(&msg.Error{}); e == nil || e.Error() == "" || e.Tree() == "" {
		t.Fatalf("%v", e)
	}
	if m := msg.PackError(nil, "", leaf); m.SrcTypeName != "InternalError" {
		t.Fatalf("%+v", m)
	}
}
