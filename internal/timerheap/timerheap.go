// Package timerheap is the deadline heap that hitch's schedulers share:
// loop's timers and actor/sc's sleeps and cancel-scope deadlines.
//
// An Entry is embedded in what it schedules (a timer, a task, a scope) and
// keeps its own position in the heap, so scheduling, moving and cancelling
// allocate nothing and cost O(log n). Entries due at the same instant come
// out in the order they were pushed, so equal deadlines fire
// deterministically (first scheduled, first fired).
//
// A Heap is not safe for concurrent use: its owner (a loop, a runner)
// touches it from one goroutine at a time.
package timerheap

import "time"

// Entry is one deadline in a Heap. The zero value is an entry that is not
// scheduled; Value says what the entry belongs to (set it once, when the
// owner is made). An Entry is in at most one Heap at a time and must not be
// copied while scheduled.
type Entry[T any] struct {
	when time.Time
	seq  uint64 // push order, for ties on when
	pos  int    // index in the heap plus one; 0 when not scheduled

	// Value is what the entry schedules: the heap never reads it.
	Value T
}

// When returns the deadline the entry was last pushed with.
func (e *Entry[T]) When() time.Time { return e.when }

// Scheduled reports whether the entry is in a heap.
func (e *Entry[T]) Scheduled() bool { return e.pos != 0 }

// Heap is a min-heap of entries on their deadline, ties in push order.
// The zero value is an empty heap, ready to use.
type Heap[T any] struct {
	items []*Entry[T]
	seq   uint64
}

// Len returns the number of scheduled entries.
func (h *Heap[T]) Len() int { return len(h.items) }

// Peek returns the entry with the earliest deadline, or nil when the heap
// is empty.
func (h *Heap[T]) Peek() *Entry[T] {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

// Push schedules e at when. An entry that is already scheduled is moved
// (and counts as pushed last among entries due at when).
func (h *Heap[T]) Push(e *Entry[T], when time.Time) {
	h.seq++
	e.when, e.seq = when, h.seq
	if e.pos != 0 {
		h.fix(e.pos - 1)
		return
	}
	e.pos = len(h.items) + 1
	h.items = append(h.items, e)
	h.up(e.pos - 1)
}

// Remove unschedules e and reports whether it was scheduled.
func (h *Heap[T]) Remove(e *Entry[T]) bool {
	if e.pos == 0 {
		return false
	}
	i, n := e.pos-1, len(h.items)-1
	if i != n {
		h.swap(i, n)
	}
	h.items[n] = nil
	h.items = h.items[:n]
	e.pos = 0
	if i != n {
		h.fix(i)
	}
	return true
}

// PopDue removes and returns the earliest entry whose deadline is not after
// now, or returns nil when none is due.
func (h *Heap[T]) PopDue(now time.Time) *Entry[T] {
	if len(h.items) == 0 || h.items[0].when.After(now) {
		return nil
	}
	e := h.items[0]
	h.Remove(e)
	return e
}

// Clear unschedules every entry.
func (h *Heap[T]) Clear() {
	for i, e := range h.items {
		e.pos = 0
		h.items[i] = nil
	}
	h.items = h.items[:0]
}

func (h *Heap[T]) less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if a.when.Equal(b.when) {
		return a.seq < b.seq
	}
	return a.when.Before(b.when)
}

func (h *Heap[T]) swap(i, j int) {
	s := h.items
	s[i], s[j] = s[j], s[i]
	s[i].pos = i + 1
	s[j].pos = j + 1
}

func (h *Heap[T]) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h *Heap[T]) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h *Heap[T]) down(i0 int) bool {
	i, n := i0, len(h.items)
	for {
		j := 2*i + 1
		if j >= n {
			break
		}
		if j2 := j + 1; j2 < n && h.less(j2, j) {
			j = j2
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}
