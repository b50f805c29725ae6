package msg

import (
	"fmt"
	"reflect"
	"time"
)

// Which Go types may travel as payloads: decided per type once, cached on
// the Codec, and checked before anything is encoded.

var timeType = reflect.TypeFor[time.Time]()

// typeVerdict says, per type, whether every value of it is a payload value
// (ok), none is (bad), or values must be walked (walk, for types holding
// interfaces). Codec.types caches it.
type typeVerdict uint8

const (
	verdictUnknown typeVerdict = iota
	verdictOK
	verdictWalk
	verdictBad
)

// verdict classifies t, caching the answer. The cache is read without a
// lock; new types are classified one at a time.
func (c *Codec) verdict(t reflect.Type) typeVerdict {
	if v, ok := c.types.Load(t); ok {
		return v.(typeVerdict)
	}
	c.typesMu.Lock()
	defer c.typesMu.Unlock()
	return c.verdictLocked(t, map[reflect.Type]bool{})
}

// verdictLocked is verdict with typesMu held. A type met again while it is
// being classified (a cycle through pointers) counts as walk, which is
// always safe; only final answers are cached.
func (c *Codec) verdictLocked(t reflect.Type, busy map[reflect.Type]bool) typeVerdict {
	if v, ok := c.types.Load(t); ok {
		return v.(typeVerdict)
	}
	if busy[t] {
		return verdictWalk
	}
	busy[t] = true
	v := c.classify(t, busy)
	delete(busy, t)
	c.types.Store(t, v)
	return v
}

func (c *Codec) classify(t reflect.Type, busy map[reflect.Type]bool) typeVerdict {
	if _, ok := c.exts[t]; ok || t == timeType {
		return verdictOK
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.String:
		return verdictOK
	case reflect.Interface:
		return verdictWalk
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return c.verdictLocked(t.Elem(), busy)
	case reflect.Map:
		k, e := c.verdictLocked(t.Key(), busy), c.verdictLocked(t.Elem(), busy)
		return max(k, e)
	case reflect.Struct:
		if !c.structs[t] {
			return verdictBad
		}
		v := verdictOK
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			v = max(v, c.verdictLocked(f.Type, busy))
		}
		return v
	}
	return verdictBad
}

// checkValue reports the first non-payload type inside v.
func (c *Codec) checkValue(v reflect.Value, depth int) error {
	if !v.IsValid() {
		return nil // nil interface
	}
	if depth > maxDepth {
		return fmt.Errorf("msg: cannot encode payload: nested deeper than %d", maxDepth)
	}
	t := v.Type()
	switch c.verdict(t) {
	case verdictOK:
		return nil
	case verdictBad:
		return c.badType(t)
	}
	switch t.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return c.checkValue(v.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := c.checkValue(v.Index(i), depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if err := c.checkValue(it.Key(), depth+1); err != nil {
				return err
			}
			if err := c.checkValue(it.Value(), depth+1); err != nil {
				return err
			}
		}
	case reflect.Struct:
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				if err := c.checkValue(v.Field(i), depth+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// badType explains why t cannot be sent, naming the type at fault.
func (c *Codec) badType(t reflect.Type) error {
	at := t
	for {
		switch at.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			at = at.Elem()
			continue
		case reflect.Map:
			if c.verdict(at.Key()) == verdictBad {
				at = at.Key()
			} else {
				at = at.Elem()
			}
			continue
		}
		break
	}
	in := ""
	if at != t {
		in = fmt.Sprintf(" (inside %v)", t)
	}
	if at.Kind() == reflect.Struct && !c.structs[at] {
		return fmt.Errorf("msg: cannot encode payload of type %v%s: no extension hook or struct registration for it (use msg.WithExtension or msg.WithStruct)", at, in)
	}
	return fmt.Errorf("msg: cannot encode payload of type %v%s: %v values cannot travel between actors (register an extension hook with msg.WithExtension)", at, in, at.Kind())
}
