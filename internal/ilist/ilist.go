// Package ilist holds the intrusive collection hitch's schedulers share: a
// set kept in a slice whose members know their own position, so that
// adding and removing a member are O(1) and allocate nothing once the
// slice has grown (tasks in a cancel scope or a nursery, child scopes,
// subscriptions of an inbox).
//
// A Set is not safe for concurrent use; its owner (a runner) touches it
// from one goroutine at a time.
package ilist

// Set is an unordered set of members of type T (pointers, in practice);
// each member stores its position in an int32 field of its own, which the
// caller hands to Add and reaches through pos in Remove (a func literal
// returning the field's address). The zero Set is empty and ready to use.
// Removing a member moves the last member into its place, so iteration
// order is not insertion order.
type Set[T comparable] struct {
	items []T
}

// Add adds v, which must not be a member already, recording its position
// in *pos (v's own field).
func (s *Set[T]) Add(v T, pos *int32) {
	*pos = int32(len(s.items))
	s.items = append(s.items, v)
}

// Remove removes v and reports whether it was a member. pos returns the
// address of a member's position field; it must not allocate or have side
// effects.
func (s *Set[T]) Remove(v T, pos func(T) *int32) bool {
	p := pos(v)
	i, last := int(*p), len(s.items)-1
	if i < 0 || i > last || s.items[i] != v {
		return false
	}
	moved := s.items[last]
	s.items[i] = moved
	*pos(moved) = int32(i)
	var zero T
	s.items[last] = zero
	s.items = s.items[:last]
	*p = -1
	return true
}

// Len returns the number of members.
func (s *Set[T]) Len() int { return len(s.items) }

// All returns the members, valid until the set next changes. Callers that
// change the set while walking it walk a copy.
func (s *Set[T]) All() []T { return s.items }
