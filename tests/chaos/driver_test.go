//go:build linux

package chaos_test

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/tests/internal/poll"
	"github.com/hitchrt/hitch/tests/internal/proccheck"
)

// driver is the soak in the root: it holds the tree as the nodes report
// it, applies the faults one after another and records what each one
// showed. It belongs to the root actor's runner.
type driver struct {
	cfg   soakConfig
	rng   *rand.Rand
	sh    shape
	dir   string
	order []string // every slot, parents first
	slots map[string]*slotView

	changed *sc.Event // set, and replaced, on every report

	step     []Report // the reports since the current step began
	respawns int
	ending   bool // teardown: reports are no longer checked

	pids        map[int]string // every sub-actor pid ever reported → slot
	unconfirmed map[int]bool   // pids not yet seen gone
	killed      map[int]bool   // pids the faults sent SIGKILL
	linksOpened map[string]int // by kind: parent, sibling
	faults      []*faultRec
	seqErrs     []Report
	items       int64 // stream items received and checked
	hung        []string
	steps       int
	slowest     time.Duration
	slowestAt   string

	registryBad []string
	audited     int
	teardownAt  time.Time
	teardown    time.Duration
}

// slotView is a slot as the driver knows it.
type slotView struct {
	slot   string
	uid    string
	pid    int
	alive  bool
	linkUp bool // its parent link is open
	gone   bool // no respawn was granted: it stays dead
	incs   int
}

func newDriver(cfg soakConfig, dir string) *driver {
	d := &driver{
		cfg: cfg, rng: rand.New(rand.NewPCG(uint64(cfg.seed), 0x5eed)), sh: cfg.shape, dir: dir,
		slots: map[string]*slotView{}, changed: &sc.Event{}, pids: map[int]string{}, unconfirmed: map[int]bool{}, killed: map[int]bool{}, linksOpened: map[string]int{},
	}
	d.order = d.sh.all()
	for _, s := range d.order {
		d.slots[s] = &slotView{slot: s}
	}
	return d
}

// handle takes one report. Runner-owned (the report endpoint and the
// root's own node call it).
func (d *driver) handle(r Report) bool {
	defer d.wake()
	if d.ending {
		if r.Type == "linkEnd" || r.Type == "serveEnd" {
			d.items += r.N
		}
		return false
	}
	d.step = append(d.step, r)
	v := d.slots[r.Slot]
	switch r.Type {
	case "spawned":
		if v != nil {
			v.uid, v.pid, v.alive, v.linkUp = r.UID, r.PID, true, false
			v.incs++
		}
		d.pids[r.PID] = r.Slot
		d.unconfirmed[r.PID] = true
	case "linkUp":
		d.linksOpened[r.Link]++
		if v != nil && r.Link == "parent" && r.UID == v.uid {
			v.linkUp = true
		}
	case "linkEnd", "serveEnd":
		d.items += r.N
		if v != nil && r.Type == "linkEnd" && r.Link == "parent" {
			v.linkUp = false
		}
	case "exited", "spawnFailed":
		if v != nil && (r.UID == v.uid || r.UID == "") {
			for _, s := range d.order {
				if under(s, r.Slot) {
					d.slots[s].alive, d.slots[s].linkUp = false, false
				}
			}
		}
	case "respawn":
		if d.respawns < d.cfg.budget {
			d.respawns++
			return true
		}
		if v != nil {
			v.gone = true
		}
		return false
	case "seq":
		d.seqErrs = append(d.seqErrs, r)
	}
	return true
}

func (d *driver) wake() {
	d.changed.Set()
	d.changed = &sc.Event{}
}

// waitFor parks until cond holds or d passes; it reports whether cond
// held.
func (d *driver) waitFor(ctx context.Context, dur time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(dur)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		ev := d.changed
		_ = sc.MoveOnAt(ctx, deadline, func(ctx context.Context) error { return ev.Wait(ctx) })
		if ctx.Err() != nil {
			return cond()
		}
	}
	return true
}

// dead reports whether slot is dead for good: it or an ancestor was
// denied a respawn.
func (d *driver) dead(slot string) bool {
	for s := slot; s != ""; s = parentOf(s) {
		if d.slots[s].gone {
			return true
		}
	}
	return false
}

// settled reports whether every slot that should live does, with its
// parent link open.
func (d *driver) settled() bool {
	for _, s := range d.order {
		if d.dead(s) {
			continue
		}
		if v := d.slots[s]; !v.alive || !v.linkUp {
			return false
		}
	}
	return true
}

// livePIDs returns the pids of the live actors under slot ("" for all).
func (d *driver) livePIDs(slot string) []int {
	var out []int
	for _, s := range d.order {
		if v := d.slots[s]; v.alive && (slot == "" || under(s, slot)) {
			out = append(out, v.pid)
		}
	}
	return out
}

// endedPIDs returns the pids of processes the driver knows as ended and
// has not yet seen gone from the process table.
func (d *driver) endedPIDs() []int {
	live := map[int]bool{}
	for _, p := range d.livePIDs("") {
		live[p] = true
	}
	var out []int
	for pid := range d.unconfirmed {
		if !live[pid] {
			out = append(out, pid)
		}
	}
	return out
}

// settle waits, bounded, for the tree to be whole again (what may be
// respawned is) and for every ended process to be gone. A step that does
// not settle is a hang.
func (d *driver) settle(ctx context.Context, what string) bool {
	start := time.Now()
	ok := d.waitFor(ctx, d.cfg.stepBound, d.settled)
	if ok {
		ended := d.endedPIDs()
		ok = poll.InTask(ctx, "the ended actors to exit", d.cfg.stepBound-time.Since(start), func() bool { return noneAlive(ended) }) == nil
		if ok {
			for _, pid := range ended {
				delete(d.unconfirmed, pid)
			}
		}
	}
	took := time.Since(start)
	d.steps++
	if took > d.slowest {
		d.slowest, d.slowestAt = took, what
	}
	if !ok {
		d.hung = append(d.hung, what+": the tree did not settle within "+d.cfg.stepBound.String())
	}
	return ok
}

// noneAlive reports whether every pid is gone (or a zombie). Safe from any
// goroutine.
func noneAlive(pids []int) bool {
	for _, p := range pids {
		if proccheck.Alive(p) {
			return false
		}
	}
	return true
}
