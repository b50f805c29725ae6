package msg

import (
	"fmt"
	"reflect"
	"time"
)

// Which Go types may travel as payloads: decided per type once, cached on
// the Codec, and checked before anything is encoded.

var timeType = reflect.TypeFor[time.Time]()

// typeCheckCache remembers, per type, whether every value of it is a
// payload value (ok), none is (bad), or values must be walked (walk, for
// types holding interfaces).
type typeCheckCache map[reflect.Type]typeVerdict

type typeVerdict uint8

const (
	verdictUnknown typeVerdict = iota
	verdictOK
	verdictWalk
	verdictBad
)

// verdict classifies t, caching the answer.
func (c *Codec) verdict(t reflect.Type) typeVerdict {
	if v, ok := c.types[t]; ok {
		return v
	}
	if c.types == nil {
		c.types = typeCheckCache{}
	}
	c.types[t] = verdictWalk // provisional, breaks cycles through pointers
	v := c.classify(t)
	c.types[t] = v
	return v
}

func (c *Codec) classify(t reflect.Type) typeVerdict {
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
		return c.verdict(t.Elem())
	case reflect.Map:
		k, e := c.verdict(t.Key()), c.verdict(t.Elem())
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
			v = max(v, c.verdict(f.Type))
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
