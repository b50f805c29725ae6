package ilist

import (
	"math/rand/v2"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type member struct {
	id  int
	pos int32
}

func posOf(m *member) *int32 { return &m.pos }

// Random adds and removes keep the set equal to a model, with every
// member's position current.
func TestSetAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var s Set[*member]
	ms := make([]*member, 100)
	for i := range ms {
		ms[i] = &member{id: i, pos: -1}
	}
	in := map[*member]bool{}
	for step := 0; step < 5000; step++ {
		m := ms[r.IntN(len(ms))]
		if in[m] {
			if !s.Remove(m, posOf) {
				t.Fatalf("step %d: Remove of a member failed", step)
			}
			delete(in, m)
		} else {
			if s.Remove(m, posOf) {
				t.Fatalf("step %d: Remove of a non-member succeeded", step)
			}
			s.Add(m, &m.pos)
			in[m] = true
		}
		if s.Len() != len(in) {
			t.Fatalf("step %d: len %d, want %d", step, s.Len(), len(in))
		}
		for i, x := range s.All() {
			if !in[x] || x.pos != int32(i) {
				t.Fatalf("step %d: member %d at %d records %d", step, x.id, i, x.pos)
			}
		}
	}
}

func TestSetNoAllocs(t *testing.T) {
	var s Set[*member]
	ms := make([]*member, 64)
	for i := range ms {
		ms[i] = &member{id: i}
		s.Add(ms[i], &ms[i].pos)
	}
	for _, m := range ms {
		s.Remove(m, posOf)
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, m := range ms {
			s.Add(m, &m.pos)
		}
		for _, m := range ms {
			s.Remove(m, posOf)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per run", allocs)
	}
}
