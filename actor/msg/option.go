package msg

import (
	"fmt"
	"reflect"
)

// Option configures a Codec when [NewCodec] makes it: the payload types it
// knows. Build them with [WithExtension] and [WithStruct]; an invalid one
// makes NewCodec fail with an error naming it.
type Option interface {
	apply(*Codec) error
}

type optionFunc func(*Codec) error

func (f optionFunc) apply(c *Codec) error { return f(c) }

// WithExtension registers a user type T as a payload type, sent as msgpack
// extension tag (1 to 127; 0 and negative tags are reserved). enc turns a
// value into bytes and dec turns bytes back into a value; an error from
// either fails the encode or decode with that error. Both sides of a
// connection must register the same type under the same tag.
func WithExtension[T any](tag int8, enc func(T) ([]byte, error), dec func([]byte) (T, error)) Option {
	return optionFunc(func(c *Codec) error {
		rt := reflect.TypeFor[T]()
		if tag <= 0 {
			return fmt.Errorf("msg: WithExtension: tag %d for %v: want 1 to 127", tag, rt)
		}
		if enc == nil || dec == nil {
			return fmt.Errorf("msg: WithExtension: %v: nil encode or decode function", rt)
		}
		for t, tg := range c.exts {
			if tg == uint64(tag) {
				return fmt.Errorf("msg: WithExtension: tag %d for %v is already used by %v", tag, rt, t)
			}
		}
		if err := c.h.SetBytesExt(rt, uint64(tag), &extHook[T]{enc: enc, dec: dec}); err != nil {
			return fmt.Errorf("msg: WithExtension: %v: %w", rt, err)
		}
		c.exts[rt] = uint64(tag)
		return nil
	})
}

// WithStruct allows struct type T as a payload type, sent as a msgpack map
// keyed by exported field name (ugorji's `codec:"name"` tags apply). Both
// sides need T to decode it as T; a receiver whose spec is Any sees a map.
func WithStruct[T any]() Option {
	return optionFunc(func(c *Codec) error {
		rt := reflect.TypeFor[T]()
		if rt.Kind() != reflect.Struct {
			return fmt.Errorf("msg: WithStruct(%v): not a struct type", rt)
		}
		c.structs[rt] = true
		return nil
	})
}

// extHook adapts typed functions to ugorji's BytesExt. ugorji's interface
// has no error results, so failures panic with extPanicErr and the payload
// encode or decode recovers them into an error.
type extHook[T any] struct {
	enc func(T) ([]byte, error)
	dec func([]byte) (T, error)
}

// WriteExt runs the user encoder; ugorji calls it.
func (x *extHook[T]) WriteExt(v any) []byte {
	var t T
	switch v := v.(type) {
	case T:
		t = v
	case *T:
		t = *v
	default:
		panic(extPanicErr{fmt.Errorf("msg: extension for %T got %T", t, v)})
	}
	b, err := x.enc(t)
	if err != nil {
		panic(extPanicErr{err})
	}
	return b
}

// ReadExt runs the user decoder; ugorji calls it.
func (x *extHook[T]) ReadExt(dst any, src []byte) {
	t, err := x.dec(src)
	if err != nil {
		panic(extPanicErr{err})
	}
	*(dst.(*T)) = t
}
