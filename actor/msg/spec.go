package msg

import (
	"reflect"
	"strings"
)

// Spec is the set of Go types a context's payloads may have. The zero Spec
// is Any: every payload is accepted and decoded into its natural Go form
// (int64, uint64 for values above MaxInt64, float64, string, []byte, bool,
// nil, []any, map[any]any, or a registered extension type). A Spec is
// immutable and safe to share.
type Spec struct {
	types []reflect.Type
	name  string
}

// Any is the spec that accepts every payload.
var Any = Spec{}

// NewSpec returns the spec accepting exactly the given types, tried in the
// given order when a payload could decode as several (put int before
// float64 to keep integers integral). A nil type is ignored; no types at all
// means Any. An interface type such as any accepts everything.
func NewSpec(types ...reflect.Type) Spec {
	var s Spec
	names := make([]string, 0, len(types))
	for _, t := range types {
		if t == nil {
			continue
		}
		s.types = append(s.types, t)
		names = append(names, t.String())
	}
	s.name = strings.Join(names, " | ")
	return s
}

// SpecFor returns the spec accepting only T.
func SpecFor[T any]() Spec { return NewSpec(reflect.TypeFor[T]()) }

// IsAny reports whether s accepts every payload.
func (s Spec) IsAny() bool { return len(s.types) == 0 }

// Types returns a copy of the spec's types; nil for Any.
func (s Spec) Types() []reflect.Type { return append([]reflect.Type(nil), s.types...) }

// String returns the spec as "int | string", or "any". It is also the
// spec's name in [Start.PayloadSpec].
func (s Spec) String() string {
	if s.IsAny() {
		return "any"
	}
	return s.name
}
