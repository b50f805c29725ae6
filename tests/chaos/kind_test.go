//go:build linux

package chaos_test

import (
	"math/rand/v2"
	"strings"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/infected"
)

// infectedOptions returns the StartActor options of an infected actor.
func infectedOptions() []actor.Option { return []actor.Option{infected.Mode()} }

// pickInfected chooses, from the seed, about a third of the slots to run
// infected, and at least one at each depth; a slot keeps its kind across
// respawns.
func pickInfected(seed int64, sh shape) string {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x1f))
	var out []string
	byDepth := map[int]bool{}
	slots := sh.all()
	for _, s := range slots {
		if rng.IntN(3) == 0 {
			out = append(out, s)
			byDepth[depth(s)] = true
		}
	}
	for _, s := range slots {
		if d := depth(s); !byDepth[d] {
			out = append(out, s)
			byDepth[d] = true
		}
	}
	return strings.Join(out, ",")
}
