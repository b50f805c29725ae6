package timerheap

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// drain pops every entry due by the far future and returns their values.
func drain(h *Heap[int]) []int {
	var got []int
	for e := h.PopDue(at(1 << 20)); e != nil; e = h.PopDue(at(1 << 20)) {
		if e.Scheduled() {
			panic("popped entry still scheduled")
		}
		got = append(got, e.Value)
	}
	return got
}

func TestOrderAndTies(t *testing.T) {
	var h Heap[int]
	es := make([]Entry[int], 6)
	for i, s := range []int{3, 1, 2, 1, 3, 1} {
		es[i].Value = i
		h.Push(&es[i], at(s))
	}
	// Deadline order; equal deadlines in push order.
	if got, want := fmt.Sprint(drain(&h)), "[1 3 5 2 0 4]"; got != want {
		t.Fatalf("order = %s, want %s", got, want)
	}
}

func TestRemoveMovePopDue(t *testing.T) {
	var h Heap[int]
	es := make([]Entry[int], 4)
	for i := range es {
		es[i].Value = i
		h.Push(&es[i], at(i+1))
	}
	if !h.Remove(&es[1]) || h.Remove(&es[1]) || es[1].Scheduled() {
		t.Fatal("Remove must report true once, then false")
	}
	h.Push(&es[3], at(0)) // move a scheduled entry earlier
	if h.Len() != 3 || h.Peek() != &es[3] || !es[3].When().Equal(at(0)) {
		t.Fatalf("after move: len %d, peek %v", h.Len(), h.Peek().Value)
	}
	if e := h.PopDue(at(0)); e != &es[3] {
		t.Fatalf("PopDue(0) = %v", e)
	}
	if e := h.PopDue(at(0)); e != nil {
		t.Fatalf("nothing else is due at 0, got %v", e.Value)
	}
	h.Clear()
	if h.Len() != 0 || h.Peek() != nil || es[0].Scheduled() || es[2].Scheduled() {
		t.Fatal("Clear left entries scheduled")
	}
}

// Random pushes, moves and removes come out in (deadline, push) order.
func TestRandomAgainstSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h Heap[int]
	es := make([]Entry[int], 200)
	type want struct{ when, seq, id int }
	live := map[int]want{}
	seq := 0
	for step := 0; step < 2000; step++ {
		i := r.IntN(len(es))
		if r.IntN(3) == 0 {
			h.Remove(&es[i])
			delete(live, i)
			continue
		}
		s := r.IntN(50)
		es[i].Value = i
		h.Push(&es[i], at(s))
		seq++
		live[i] = want{s, seq, i}
	}
	var ws []want
	for _, w := range live {
		ws = append(ws, w)
	}
	slices.SortFunc(ws, func(a, b want) int {
		if a.when != b.when {
			return a.when - b.when
		}
		return a.seq - b.seq
	})
	got := drain(&h)
	if len(got) != len(ws) {
		t.Fatalf("got %d entries, want %d", len(got), len(ws))
	}
	for k := range ws {
		if got[k] != ws[k].id {
			t.Fatalf("entry %d: got %d, want %d", k, got[k], ws[k].id)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	var h Heap[int]
	es := make([]Entry[int], 64)
	for i := range es {
		h.Push(&es[i], at(i))
	}
	h.Clear()
	allocs := testing.AllocsPerRun(100, func() {
		for i := range es {
			h.Push(&es[i], at(len(es)-i))
		}
		for h.PopDue(at(1<<20)) != nil {
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per run, want 0", allocs)
	}
}
