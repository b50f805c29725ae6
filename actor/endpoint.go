package actor

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/hitchrt/hitch/actor/msg"
)

// PayloadSpec is the set of payload types one endpoint's dialog carries,
// as tractor's pld specs: the argument the caller sends, the value the
// endpoint reports as started, the items of its streams and its result.
// A payload outside its part of the spec is a *MsgTypeError on the side
// that should see it. The zero PayloadSpec accepts anything everywhere.
type PayloadSpec struct {
	Arg     msg.Spec
	Started msg.Spec
	Yield   msg.Spec
	Result  msg.Spec
}

// endpoint is one registered function, untyped for the runtime.
type endpoint struct {
	name string
	kind msg.FuncKind
	spec PayloadSpec
	// invoke decodes the argument, runs the function and encodes its
	// result. It runs in an RPC task of the serving actor.
	// st is the context dialog for context endpoints, nil for one-shot
	// calls.
	invoke func(ctx context.Context, c *msg.Codec, args msg.Raw, st *ctxState) (msg.Raw, error)
}

// registry holds every endpoint of this program, by name. Endpoints are
// registered at init time, before any actor runs, so the parent and the
// children (the same binary) agree on them.
var registry = struct {
	sync.RWMutex
	m       map[string]*endpoint
	structs []msg.Option // codec options for struct payload types
	seen    map[reflect.Type]bool
	frozen  bool // an actor runtime has started: no more registrations
}{m: map[string]*endpoint{}, seen: map[reflect.Type]bool{}}

func register(ep *endpoint, types map[reflect.Type]msg.Option) {
	registry.Lock()
	defer registry.Unlock()
	if registry.frozen {
		panic(fmt.Sprintf("actor: endpoint %q registered after an actor runtime started (register endpoints at init time)", ep.name))
	}
	if ep.name == "" {
		panic("actor: endpoint with an empty name")
	}
	if _, dup := registry.m[ep.name]; dup {
		panic(fmt.Sprintf("actor: endpoint %q registered twice", ep.name))
	}
	registry.m[ep.name] = ep
	for t, o := range types {
		if !registry.seen[t] {
			registry.seen[t] = true
			registry.structs = append(registry.structs, o)
		}
	}
}

func lookupEndpoint(name string) *endpoint {
	registry.RLock()
	defer registry.RUnlock()
	return registry.m[name]
}

// freezeRegistry stops registrations and returns the codec options every
// actor of this program uses for payloads.
func freezeRegistry() []msg.Option {
	registry.Lock()
	defer registry.Unlock()
	registry.frozen = true
	return append([]msg.Option(nil), registry.structs...)
}

// structOption returns, for a struct type T, the codec option allowing it
// as a payload.
func structOption[T any](into map[reflect.Type]msg.Option) {
	if t := reflect.TypeFor[T](); t.Kind() == reflect.Struct {
		into[t] = msg.WithStruct[T]()
	}
}

// Endpoint is a registered function of type func(ctx, A) (R, error) that
// other actors call by name through a Portal. Make one with Func, at init
// time (a package-level var), so every process of the program has it.
type Endpoint[A, R any] struct {
	ep *endpoint
}

// Func registers fn under name as a one-shot endpoint and returns its
// handle. Call it at init time (for example in a package-level var): the
// parent and its sub-actors are the same program and find endpoints by
// name. A struct A or R is allowed as a payload type automatically.
//
// fn runs in a task of the serving actor with a ctx that is cancelled when
// the caller cancels the call or the actor is cancelled; it should return
// the ctx's cancellation error unchanged. Its error reaches the caller as a
// *RemoteActorError; a panic in fn is recovered and travels with its stack.
//
// Func panics on an empty or duplicate name, or when called after an actor
// runtime has started in this process.
func Func[A, R any](name string, fn func(ctx context.Context, arg A) (R, error)) *Endpoint[A, R] {
	if fn == nil {
		panic(fmt.Sprintf("actor: Func %q: nil function", name))
	}
	spec := PayloadSpec{Arg: msg.SpecFor[A](), Result: msg.SpecFor[R]()}
	ep := &endpoint{name: name, kind: msg.FuncAsync, spec: spec}
	ep.invoke = func(ctx context.Context, c *msg.Codec, args msg.Raw, _ *ctxState) (msg.Raw, error) {
		a, err := decodeArg[A](c, args, spec.Arg)
		if err != nil {
			return nil, err
		}
		r, err := fn(ctx, a)
		if err != nil {
			return nil, err
		}
		return encodePayload(c, msg.KindReturn, r, spec.Result)
	}
	types := map[reflect.Type]msg.Option{}
	structOption[A](types)
	structOption[R](types)
	register(ep, types)
	return &Endpoint[A, R]{ep: ep}
}

// Name returns the name the endpoint was registered under.
func (e *Endpoint[A, R]) Name() string { return e.ep.name }

// Spec returns the endpoint's payload spec.
func (e *Endpoint[A, R]) Spec() PayloadSpec { return e.ep.spec }

// Run calls the endpoint in the actor behind p with arg and returns its
// result. It parks the calling task until the result arrives; see
// Portal.Run for errors and cancellation. ctx must be the ctx of a task
// of the actor that owns p.
func (e *Endpoint[A, R]) Run(ctx context.Context, p *Portal, arg A) (R, error) {
	var zero R
	v, err := p.run(ctx, e.ep.name, arg, e.ep.spec.Result)
	if err != nil {
		return zero, err
	}
	r, _ := v.(R)
	return r, nil
}

// decodeArg decodes a Start's arguments as an A. A mismatch is a
// *MsgTypeError naming the Start message.
func decodeArg[A any](c *msg.Codec, args msg.Raw, spec msg.Spec) (A, error) {
	var zero A
	// DecodePayload reads payload messages only; the arguments travel in
	// Start, so they are decoded as if carried by one and the error is
	// labelled with the real kind.
	v, err := c.DecodePayload(&msg.Return{Pld: args}, spec)
	if err != nil {
		if mte, ok := err.(*msg.MsgTypeError); ok {
			mte.Kind = msg.KindStart
		}
		return zero, err
	}
	a, _ := v.(A)
	return a, nil
}

// encodePayload encodes v as the payload of a message of kind k; a value
// that cannot travel is a *MsgTypeError found by the sender.
func encodePayload(c *msg.Codec, k msg.Kind, v any, spec msg.Spec) (msg.Raw, error) {
	raw, err := c.EncodePayload(v)
	if err != nil {
		return nil, payloadTypeError(k, v, spec, err)
	}
	return raw, nil
}

// payloadTypeError is the error of a value the codec could not encode.
func payloadTypeError(k msg.Kind, v any, spec msg.Spec, err error) error {
	return &msg.MsgTypeError{Kind: k, Value: v, ValueType: fmt.Sprintf("%T", v), Spec: spec.String(), Sent: true, Cause: err}
}
