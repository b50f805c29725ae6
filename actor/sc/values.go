package sc

import (
	"context"
	"sync"
	"sync/atomic"
)

// Key names one value that a run carries: the current actor, runtime
// settings, the guest run a task belongs to. Give a runner a value with
// the WithValue option or Key.Set; read it from a task's ctx (Key.Value,
// or ctx.Value(key)) or, from plain goroutines, through the runner
// (Key.Get with Token.Runner). Make keys with NewKey, typically once, as
// package-level variables; each key is distinct, whatever its name.
//
// Run values are per run, not per task: every task of the run, and every
// ctx derived from a task's ctx, sees the same value. A run value shadows a
// value stored with context.WithValue under the same key further out.
// Reading is safe from any goroutine and costs an atomic load and a scan
// of the run's few values; nothing is allocated.
type Key[T any] struct {
	name string
}

// NewKey returns a new key for values of type T; name appears only in
// String, for debugging.
func NewKey[T any](name string) *Key[T] { return &Key[T]{name: name} }

// String returns "sc.Key(NAME)".
func (k *Key[T]) String() string { return "sc.Key(" + k.name + ")" }

func (*Key[T]) runValueKey() {}

// runKey is implemented by every *Key[T]; scopeCtx.Value recognises run
// keys by it.
type runKey interface{ runValueKey() }

// Set gives r the value v under k, replacing any earlier one. It is safe
// from any goroutine at any time (before, during or after the run); tasks
// see the new value from their next read on.
func (k *Key[T]) Set(r *Runner, v T) {
	if k == nil {
		panic("sc: Key.Set: nil key")
	}
	r.setValue(k, v)
}

// Get returns the value r carries under k, and whether it carries one.
// Safe from any goroutine.
func (k *Key[T]) Get(r *Runner) (T, bool) {
	v, ok := r.value(k)
	if !ok {
		var zero T
		return zero, false
	}
	t, ok := v.(T)
	return t, ok
}

// Value returns the value under k of the run that ctx's task belongs to,
// or, when ctx carries no task or the run has no such value, what
// ctx.Value(k) finds further out (a context.WithValue). Safe from any
// goroutine holding ctx.
func (k *Key[T]) Value(ctx context.Context) (T, bool) {
	var v any
	if c, ok := ctx.(*scopeCtx); ok {
		v = c.Value(k) // the common case, without a walk up the ctx chain
	} else if ctx != nil {
		v = ctx.Value(k)
	}
	t, ok := v.(T)
	return t, ok
}

// WithValue makes a runner that carries v under k from the start (see
// Key). A nil key panics.
func WithValue[T any](k *Key[T], v T) Option {
	if k == nil {
		panic("sc: WithValue: nil key")
	}
	return optionFunc(func(c *config) { c.values = append(c.values, runValue{k, v}) })
}

// runValue is one value a run carries.
type runValue struct {
	key runKey
	val any
}

// runValues holds a run's values, copied on write so reads need no lock.
type runValues struct {
	mu   sync.Mutex                 // serialises writers
	list atomic.Pointer[[]runValue] // never modified once stored
}

func (r *Runner) setValue(k runKey, v any) {
	r.values.mu.Lock()
	defer r.values.mu.Unlock()
	var next []runValue
	if old := r.values.list.Load(); old != nil {
		next = make([]runValue, 0, len(*old)+1)
		for _, rv := range *old {
			if rv.key != k {
				next = append(next, rv)
			}
		}
	}
	next = append(next, runValue{k, v})
	r.values.list.Store(&next)
}

func (r *Runner) value(k runKey) (any, bool) {
	list := r.values.list.Load()
	if list == nil {
		return nil, false
	}
	for i := range *list {
		if (*list)[i].key == k {
			return (*list)[i].val, true
		}
	}
	return nil, false
}
