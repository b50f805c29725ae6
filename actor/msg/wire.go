package msg

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"sync/atomic"
)

// This file is a minimal msgpack writer and reader for the fixed message
// types. The reader never indexes past its input and never allocates more
// than its input could describe: every length is checked against the bytes
// left before anything is made.

// maxDepth bounds nesting inside a raw value, so a hostile payload cannot
// exhaust the stack.
const maxDepth = 64

func appendArrayHeader(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x90|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xdc), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdd), uint32(n))
}

func appendMapHeader(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x80|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xde), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdf), uint32(n))
}

func appendNil(b []byte) []byte { return append(b, 0xc0) }

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 0xc3)
	}
	return append(b, 0xc2)
}

func appendUint(b []byte, u uint64) []byte {
	switch {
	case u < 128:
		return append(b, byte(u))
	case u <= math.MaxUint8:
		return append(b, 0xcc, byte(u))
	case u <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(u))
	case u <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(u))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcf), u)
}

func appendInt(b []byte, i int64) []byte {
	if i >= 0 {
		return appendUint(b, uint64(i))
	}
	switch {
	case i >= -32:
		return append(b, byte(i))
	case i >= math.MinInt8:
		return append(b, 0xd0, byte(i))
	case i >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(i))
	case i >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(i))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(i))
}

func appendStr(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= math.MaxUint8:
		b = append(b, 0xd9, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, 0xda), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
	}
	return append(b, s...)
}

// appendBin writes nil as msgpack nil, so nil and empty stay distinct.
func appendBin(b []byte, v []byte) []byte {
	if v == nil {
		return appendNil(b)
	}
	n := len(v)
	switch {
	case n <= math.MaxUint8:
		b = append(b, 0xc4, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, 0xc5), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xc6), uint32(n))
	}
	return append(b, v...)
}

// appendRaw writes r verbatim, or nil when empty. The caller has checked
// that r is exactly one msgpack value.
func appendRaw(b []byte, r Raw) []byte {
	if len(r) == 0 {
		return appendNil(b)
	}
	return append(b, r...)
}

func appendStrs(b []byte, ss []string) []byte {
	if ss == nil {
		return appendNil(b)
	}
	b = appendArrayHeader(b, len(ss))
	for _, s := range ss {
		b = appendStr(b, s)
	}
	return b
}

func appendActorID(b []byte, id ActorID) []byte {
	if id.IsZero() {
		return appendNil(b)
	}
	return appendStr(appendStr(append(b, 0x92), id.Name), id.UID)
}

func appendActorIDs(b []byte, ids []ActorID) []byte {
	if ids == nil {
		return appendNil(b)
	}
	b = appendArrayHeader(b, len(ids))
	for _, id := range ids {
		b = appendActorID(b, id)
	}
	return b
}

// appendStrMap writes keys in sorted order, so equal maps encode equally.
func appendStrMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return appendNil(b)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = appendMapHeader(b, len(m))
	for _, k := range keys {
		b = appendStr(appendStr(b, k), m[k])
	}
	return b
}

// reader decodes msgpack from b. The first problem is kept in err and every
// later call returns a zero value, so callers check err once at the end.
type reader struct {
	b    []byte
	i    int
	err  error
	kind Kind   // the message being decoded, for error text
	pre  string // the nested struct being decoded ("Vars."), for error text
	fld  string // the field being decoded, for error text
	left int    // fields left in the current message (or nested) array

	cids *atomic.Pointer[string] // the codec's last dialog id, to reuse; nil: none
}

func (r *reader) fail(reason string) {
	if r.err == nil {
		r.err = &DecodeError{Kind: r.kind, Field: r.pre + r.fld, Offset: r.i, Reason: reason}
	}
}

// field starts decoding the next field of the current array; it reports
// false when the sender sent fewer fields, leaving the zero value.
func (r *reader) field(name string) bool {
	if r.left == 0 || r.err != nil {
		return false
	}
	r.left--
	r.fld = name
	return true
}

// enter starts decoding a nested struct's array of fields, whose names
// errors prefix with prefix. It returns the enclosing array's count of
// fields left, for leave.
func (r *reader) enter(prefix string) int {
	outer := r.left
	r.left = r.arrayLen()
	r.pre = prefix
	return outer
}

// leave skips the nested array's fields this release does not know and
// returns to the enclosing array.
func (r *reader) leave(outer int) {
	r.fld = ""
	for ; r.left > 0 && r.err == nil; r.left-- {
		r.skip(1)
	}
	r.left, r.pre = outer, ""
}

func (r *reader) byte1() byte {
	if r.err != nil {
		return 0
	}
	if r.i >= len(r.b) {
		r.fail("unexpected end of input")
		return 0
	}
	c := r.b[r.i]
	r.i++
	return c
}

func (r *reader) peek() (byte, bool) {
	if r.err != nil || r.i >= len(r.b) {
		return 0, false
	}
	return r.b[r.i], true
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.i {
		r.fail("length " + strconv.Itoa(n) + " runs past the end of input")
		return nil
	}
	v := r.b[r.i : r.i+n : r.i+n]
	r.i += n
	return v
}

func (r *reader) u8() int { return int(r.byte1()) }
func (r *reader) u16() int {
	v := r.take(2)
	if v == nil {
		return 0
	}
	return int(binary.BigEndian.Uint16(v))
}
func (r *reader) u32() int64 {
	v := r.take(4)
	if v == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint32(v))
}
func (r *reader) u64() uint64 {
	v := r.take(8)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// count checks a container length: each element takes at least one byte.
func (r *reader) count(n int64, per int) int {
	if r.err != nil {
		return 0
	}
	if n < 0 || n*int64(per) > int64(len(r.b)-r.i) {
		r.fail("container length " + strconv.FormatInt(n, 10) + " exceeds the input")
		return 0
	}
	return int(n)
}

// tryNil consumes a msgpack nil and reports whether there was one.
func (r *reader) tryNil() bool {
	if c, ok := r.peek(); ok && c == 0xc0 {
		r.i++
		return true
	}
	return false
}

func (r *reader) arrayLen() int {
	c := r.byte1()
	switch {
	case r.err != nil:
		return 0
	case c&0xf0 == 0x90:
		return r.count(int64(c&0x0f), 1)
	case c == 0xdc:
		return r.count(int64(r.u16()), 1)
	case c == 0xdd:
		return r.count(r.u32(), 1)
	}
	r.i--
	r.fail("want an array, got " + describe(c))
	return 0
}

func (r *reader) mapLen() int {
	c := r.byte1()
	switch {
	case r.err != nil:
		return 0
	case c&0xf0 == 0x80:
		return r.count(int64(c&0x0f), 2)
	case c == 0xde:
		return r.count(int64(r.u16()), 2)
	case c == 0xdf:
		return r.count(r.u32(), 2)
	}
	r.i--
	r.fail("want a map, got " + describe(c))
	return 0
}

func (r *reader) strBytes() []byte {
	c := r.byte1()
	switch {
	case r.err != nil:
		return nil
	case c&0xe0 == 0xa0:
		return r.take(int(c & 0x1f))
	case c == 0xd9:
		return r.take(r.u8())
	case c == 0xda:
		return r.take(r.u16())
	case c == 0xdb:
		return r.take(int(r.u32()))
	}
	r.i--
	r.fail("want a string, got " + describe(c))
	return nil
}

func (r *reader) str() string {
	if r.tryNil() {
		return ""
	}
	b := r.strBytes()
	if r.cids != nil && r.fld == "Cid" && r.pre == "" {
		// Every message of a dialog carries its id: a stream's items
		// share one string instead of allocating one each.
		if last := r.cids.Load(); last != nil && *last == string(b) {
			return *last
		}
		s := string(b)
		r.cids.Store(&s)
		return s
	}
	return string(b)
}

// bin returns a sub-slice of the input (no copy); nil for msgpack nil.
func (r *reader) bin() []byte {
	if r.tryNil() {
		return nil
	}
	c := r.byte1()
	switch {
	case r.err != nil:
		return nil
	case c == 0xc4:
		return r.take(r.u8())
	case c == 0xc5:
		return r.take(r.u16())
	case c == 0xc6:
		return r.take(int(r.u32()))
	}
	r.i--
	r.fail("want bytes, got " + describe(c))
	return nil
}

func (r *reader) boolean() bool {
	c := r.byte1()
	switch {
	case r.err != nil:
		return false
	case c == 0xc3:
		return true
	case c == 0xc2, c == 0xc0:
		return false
	}
	r.i--
	r.fail("want a bool, got " + describe(c))
	return false
}

func (r *reader) integer() int64 {
	c := r.byte1()
	switch {
	case r.err != nil:
		return 0
	case c < 0x80:
		return int64(c)
	case c >= 0xe0:
		return int64(int8(c))
	case c == 0xcc:
		return int64(r.u8())
	case c == 0xcd:
		return int64(r.u16())
	case c == 0xce:
		return r.u32()
	case c == 0xcf:
		u := r.u64()
		if u > math.MaxInt64 {
			r.fail("integer overflows int64")
			return 0
		}
		return int64(u)
	case c == 0xd0:
		return int64(int8(r.u8()))
	case c == 0xd1:
		return int64(int16(r.u16()))
	case c == 0xd2:
		return int64(int32(r.u32()))
	case c == 0xd3:
		return int64(r.u64())
	case c == 0xc0:
		return 0
	}
	r.i--
	r.fail("want an integer, got " + describe(c))
	return 0
}

// uint8 reads an integer that must fit in a byte.
func (r *reader) uint8() uint8 {
	v := r.integer()
	if v < 0 || v > 255 {
		r.fail("value " + strconv.FormatInt(v, 10) + " out of range 0..255")
		return 0
	}
	return uint8(v)
}

// raw returns the next value's bytes, unparsed and uncopied; nil for nil.
func (r *reader) raw() Raw {
	start := r.i
	r.skip(0)
	if r.err != nil {
		return nil
	}
	if r.i-start == 1 && r.b[start] == 0xc0 {
		return nil
	}
	return Raw(r.b[start:r.i:r.i])
}

// skip moves past one complete value, checking its structure.
func (r *reader) skip(depth int) {
	if depth > maxDepth {
		r.fail("nested deeper than " + strconv.Itoa(maxDepth))
		return
	}
	c := r.byte1()
	if r.err != nil {
		return
	}
	n := int64(0) // elements to skip after the header
	switch {
	case c < 0x80, c >= 0xe0, c == 0xc0, c == 0xc2, c == 0xc3:
	case c&0xf0 == 0x80:
		n = 2 * int64(c&0x0f)
	case c&0xf0 == 0x90:
		n = int64(c & 0x0f)
	case c&0xe0 == 0xa0:
		r.take(int(c & 0x1f))
	case c == 0xc4, c == 0xd9:
		r.take(r.u8())
	case c == 0xc5, c == 0xda:
		r.take(r.u16())
	case c == 0xc6, c == 0xdb:
		r.take(int(r.u32()))
	case c == 0xc7:
		n := r.u8()
		r.take(1 + n)
	case c == 0xc8:
		n := r.u16()
		r.take(1 + n)
	case c == 0xc9:
		n := int(r.u32())
		r.take(1 + n)
	case c == 0xca:
		r.take(4)
	case c == 0xcb:
		r.take(8)
	case c == 0xcc, c == 0xd0:
		r.take(1)
	case c == 0xcd, c == 0xd1:
		r.take(2)
	case c == 0xce, c == 0xd2:
		r.take(4)
	case c == 0xcf, c == 0xd3:
		r.take(8)
	case c == 0xd4:
		r.take(2)
	case c == 0xd5:
		r.take(3)
	case c == 0xd6:
		r.take(5)
	case c == 0xd7:
		r.take(9)
	case c == 0xd8:
		r.take(17)
	case c == 0xdc:
		n = int64(r.u16())
	case c == 0xdd:
		n = r.u32()
	case c == 0xde:
		n = 2 * int64(r.u16())
	case c == 0xdf:
		n = 2 * r.u32()
	default: // 0xc1 is never used
		r.i--
		r.fail("invalid msgpack byte " + describe(c))
		return
	}
	if r.count(n, 1) != int(n) {
		return
	}
	for ; n > 0 && r.err == nil; n-- {
		r.skip(depth + 1)
	}
}

func (r *reader) strs() []string {
	if r.tryNil() {
		return nil
	}
	n := r.arrayLen()
	if r.err != nil {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = r.str()
	}
	return ss
}

func (r *reader) actorID() ActorID {
	if r.tryNil() {
		return ActorID{}
	}
	n := r.arrayLen()
	var id ActorID
	if n > 0 {
		id.Name = r.str()
	}
	if n > 1 {
		id.UID = r.str()
	}
	for ; n > 2 && r.err == nil; n-- {
		r.skip(1)
	}
	return id
}

func (r *reader) actorIDs() []ActorID {
	if r.tryNil() {
		return nil
	}
	n := r.arrayLen()
	if r.err != nil {
		return nil
	}
	ids := make([]ActorID, n)
	for i := range ids {
		ids[i] = r.actorID()
	}
	return ids
}

func (r *reader) strMap() map[string]string {
	if r.tryNil() {
		return nil
	}
	n := r.mapLen()
	if r.err != nil {
		return nil
	}
	m := make(map[string]string, n)
	for ; n > 0 && r.err == nil; n-- {
		k := r.str()
		m[k] = r.str()
	}
	return m
}

// describe names a msgpack type byte for error messages.
func describe(c byte) string {
	return familyName(c) + " (0x" + strconv.FormatUint(uint64(c), 16) + ")"
}

// familyName names the msgpack type a value's first byte starts.
func familyName(c byte) string {
	var name string
	switch {
	case c < 0x80 || c >= 0xe0 || (c >= 0xcc && c <= 0xd3):
		name = "integer"
	case c&0xf0 == 0x80 || c == 0xde || c == 0xdf:
		name = "map"
	case c&0xf0 == 0x90 || c == 0xdc || c == 0xdd:
		name = "array"
	case c&0xe0 == 0xa0 || (c >= 0xd9 && c <= 0xdb):
		name = "string"
	case c == 0xc0:
		name = "nil"
	case c == 0xc2 || c == 0xc3:
		name = "bool"
	case c >= 0xc4 && c <= 0xc6:
		name = "bytes"
	case c == 0xca || c == 0xcb:
		name = "float"
	case (c >= 0xc7 && c <= 0xc9) || (c >= 0xd4 && c <= 0xd8):
		name = "extension"
	default:
		name = "invalid byte"
	}
	return name
}
