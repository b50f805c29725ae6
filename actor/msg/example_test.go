package msg_test

import (
	"errors"
	"fmt"

	"github.com/hitchrt/hitch/actor/msg"
)

// A stream item goes out as a Yield with a raw payload; the receiver
// decodes the message, then the payload against its spec. One Codec, safe
// for concurrent use, does both and holds any registered payload types.
func Example() {
	codec := msg.MustCodec()

	pld, _ := codec.EncodePayload(42)
	frame, _ := codec.Encode(nil, &msg.Yield{Cid: "c1", Pld: pld})

	m, _ := codec.Decode(frame)
	n, _ := codec.DecodePayload(m, msg.SpecFor[int]())
	fmt.Println(m.Kind(), n)

	_, err := codec.DecodePayload(m, msg.SpecFor[string]())
	fmt.Println(errors.Is(err, msg.ErrMsgType), err)
	// Output:
	// Yield 42
	// true msg: invalid Yield payload 42 of type int64 does not match spec string
}

// An error packed in one actor, relayed by another, and opened by a third
// keeps its source and path.
func ExamplePackError() {
	leaf := msg.ActorID{Name: "leaf", UID: "1a2b3c4d-0000-4000-8000-000000000000"}
	mid := msg.ActorID{Name: "mid", UID: "5e6f7a8b-0000-4000-8000-000000000000"}

	atMid := msg.UnpackError(msg.PackError(errors.New("disk full"), "c1", leaf))
	atRoot := msg.UnpackError(msg.PackError(atMid, "c1", mid))
	fmt.Printf("%+v\n", atRoot)
	// Output:
	// RemoteActorError: remote errors.errorString from leaf@1a2b3c4d: disk full
	//  |_src: leaf@1a2b3c4d (errors.errorString)
	//  |_src uid: 1a2b3c4d-0000-4000-8000-000000000000
	//  |_boxed as: RemoteActorError
	//  |_cid: c1
	//  |_relay path:
	//    |_leaf@1a2b3c4d
	//    |_mid@5e6f7a8b
}
