//go:build linux

package chaos_test

import (
	"strconv"
	"strings"

	"github.com/hitchrt/hitch/actor"
)

// The tree is described by slots: stable positions named by their path
// ("b", "b.1", "b.1.0"), which are also the actors' names, so a respawned
// actor is found by the same name. Its uid changes with each incarnation.

// shape gives how many children a slot has at each depth: shape[0] for the
// root, shape[1] for each first-level actor, and so on.
type shape []int

// defaultShape is 3 + 6 + 12 = 21 actors below the root.
var defaultShape = shape{3, 2, 2}

func (s shape) String() string {
	parts := make([]string, len(s))
	for i, n := range s {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func parseShape(str string) shape {
	var s shape
	for _, p := range strings.Split(str, ",") {
		n, _ := strconv.Atoi(p)
		s = append(s, n)
	}
	return s
}

// depth is 0 for the root (slot ""), 1 for its children, ...
func depth(slot string) int {
	if slot == "" {
		return 0
	}
	return strings.Count(slot, ".") + 1
}

// children returns the child slots of slot.
func (s shape) children(slot string) []string {
	d := depth(slot)
	if d >= len(s) {
		return nil
	}
	out := make([]string, s[d])
	for i := range out {
		if slot == "" {
			out[i] = string(rune('a' + i))
		} else {
			out[i] = slot + "." + strconv.Itoa(i)
		}
	}
	return out
}

// all returns every slot below the root, parents before children.
func (s shape) all() []string {
	var out []string
	queue := s.children("")
	for len(queue) > 0 {
		slot := queue[0]
		queue = queue[1:]
		out = append(out, slot)
		queue = append(queue, s.children(slot)...)
	}
	return out
}

// parentOf returns the parent slot ("" for the root).
func parentOf(slot string) string {
	i := strings.LastIndexByte(slot, '.')
	if i < 0 {
		return ""
	}
	return slot[:i]
}

// under reports whether slot is anc or below it.
func under(slot, anc string) bool {
	return slot == anc || strings.HasPrefix(slot, anc+".")
}

// index is the slot's position among its siblings.
func index(slot string) int {
	last := slot[strings.LastIndexByte(slot, '.')+1:]
	if n, err := strconv.Atoi(last); err == nil {
		return n
	}
	return int(last[0] - 'a')
}

// siblingPeer returns the sibling a slot opens its sibling link with,
// found by name: slots at even positions open one with the next one.
func (s shape) siblingPeer(slot string) (string, bool) {
	sibs := s.children(parentOf(slot))
	i := index(slot)
	if i%2 != 0 || i+1 >= len(sibs) {
		return "", false
	}
	return sibs[i+1], true
}

// kind is how an actor runs: a native sub-actor, or an infected one whose
// main loop is a host loop with the runtime as its guest. It is the one
// field that decides it; startOptions turns it into StartActor options.
type kind string

const (
	native       kind = "native"
	infectedKind kind = "infected"
)

// startOptions returns the StartActor options of an actor of kind k.
func startOptions(k kind) []actor.Option {
	switch k {
	case infectedKind:
		return infectedOptions()
	}
	return nil
}

// kindOf returns the kind of slot given the comma-separated list of
// infected slots.
func kindOf(slot, infectedSlots string) kind {
	for _, s := range strings.Split(infectedSlots, ",") {
		if s == slot {
			return infectedKind
		}
	}
	return native
}
