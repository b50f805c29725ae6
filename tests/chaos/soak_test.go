//go:build linux

package chaos_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/tests/internal/proccheck"
)

// soakConfig is one soak's settings.
type soakConfig struct {
	seed      int64
	faults    int
	budget    int // respawns granted in all
	shape     shape
	infected  string // comma-separated infected slots
	stepBound time.Duration
	logf      func(format string, args ...any)
}

func configFromFlags(t *testing.T) soakConfig {
	c := soakConfig{seed: *seedFlag, faults: 100, shape: defaultShape, stepBound: 20 * time.Second, logf: t.Logf}
	if *soakFlag || os.Getenv("HITCH_SOAK") != "" {
		c.faults = 1000
	}
	if *faultsFlag > 0 {
		c.faults = *faultsFlag
	}
	if c.seed == 0 {
		c.seed = time.Now().UnixNano()%1_000_000_000 + 1
	}
	// Slightly fewer respawns than faults: near the end, what dies stays
	// dead, and the registry must forget it.
	c.budget = c.faults * 9 / 10
	c.infected = pickInfected(c.seed, c.shape)
	return c
}

// TestSoak runs the soak: build the tree, apply the faults, audit the
// registry, tear the tree down, then check every promise.
func TestSoak(t *testing.T) {
	cfg := configFromFlags(t)
	t.Logf("chaos: seed %d, %d faults, tree %v below the root, %d respawns; replay with -seed %d", cfg.seed, cfg.faults, cfg.shape, cfg.budget, cfg.seed)
	t.Logf("chaos: infected actors: %s", cfg.infected)
	logFile, err := os.CreateTemp("", fmt.Sprintf("hitch-chaos-%d-*.log", cfg.seed))
	if err != nil {
		t.Fatal(err)
	}
	keepLog := false
	defer func() {
		logFile.Close()
		if keepLog {
			t.Logf("chaos: the tree's log is in %s", logFile.Name())
		} else {
			os.Remove(logFile.Name())
		}
	}()

	dir := t.TempDir()
	t.Setenv(dirEnv, dir)
	// Under -race, every process sleeps a second at exit (the race
	// runtime's atexit_sleep_ms) unless told not to; the tree's actors,
	// which inherit this environment, would count it against the
	// runtime's bounds at every exit.
	if gr := os.Getenv("GORACE"); !strings.Contains(gr, "atexit_sleep_ms") {
		t.Setenv("GORACE", strings.TrimSpace(gr+" atexit_sleep_ms=0"))
	}
	if err := mustMkdirs(dir); err != nil {
		t.Fatal(err)
	}
	book := newExitBook(logFile)
	stopReaper, reaperDone := make(chan struct{}), make(chan struct{})
	go book.runReaper(dir, stopReaper, reaperDone)

	// The whole run is bounded: past it, the tree is killed, so the test
	// fails instead of hanging.
	bound := time.Minute + time.Duration(cfg.faults)*3*time.Second
	watchdog := time.AfterFunc(bound, func() {
		fmt.Fprintf(os.Stderr, "chaos: seed %d: the soak ran past %v; killing the tree\n", cfg.seed, bound)
		killTree()
	})
	d := newDriver(cfg, dir)
	start := time.Now()
	runErr := actor.Run(func(ctx context.Context, a *actor.Actor) error { return d.run(ctx) },
		actor.WithLogger(slog.New(book)), actor.WithChildOutput(book), actor.WithLogLevel(actor.LevelRuntime))
	watchdog.Stop()
	d.teardown = time.Since(d.teardownAt)
	if d.teardownAt.IsZero() {
		d.teardown = -1
	}
	elapsed := time.Since(start)

	res := d.check(book, runErr)
	close(stopReaper)
	<-reaperDone
	res.goleak()
	table := res.table(d, elapsed)
	t.Log("\n" + table)
	if res.broken() {
		keepLog = true
		t.Errorf("chaos: seed %d broke a promise (replay with -seed %d)", cfg.seed, cfg.seed)
	}
}

// run is the root's body: the first level's supervisors, the faults, the
// audit, then the teardown.
func (d *driver) run(ctx context.Context) error {
	self = &node{slot: "", drv: d, sh: d.sh, arg: NodeArg{Shape: d.sh.String(), Infected: d.cfg.infected}, slots: map[string]*slotState{}}
	defer func() { self = nil }()
	return sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
		for _, s := range d.sh.children("") {
			sn.StartSoon("slot "+s, func(ctx context.Context) error { return self.superviseSlot(ctx, s) })
		}
		d.faultLoop(ctx)
		if d.settle(ctx, "before the audit") {
			d.audit(ctx)
		}
		d.ending = true
		d.teardownAt = time.Now()
		sn.CancelScope().Cancel()
		return nil
	})
}

// faultLoop applies the faults, each on a settled tree: mostly one at a
// time, and one time in four a burst of two or three at once, on
// disjoint subtrees. The registry is audited every 50 faults.
func (d *driver) faultLoop(ctx context.Context) {
	if !d.settle(ctx, "the initial tree") {
		return
	}
	d.cfg.logf("chaos: tree up: %d actors", len(d.livePIDs("")))
	for i := 1; i <= d.cfg.faults && ctx.Err() == nil; {
		n := 1
		if d.rng.IntN(4) == 0 {
			n = 2 + d.rng.IntN(2)
		}
		burst := d.pickBurst(i, min(n, d.cfg.faults-i+1))
		if len(burst) == 0 {
			d.cfg.logf("chaos: no live actor left after %d faults", i-1)
			return
		}
		d.step = nil
		err := sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
			for _, f := range burst {
				sn.StartSoon(f.String(), func(ctx context.Context) error {
					d.apply(ctx, f)
					return nil
				})
			}
			return nil
		})
		if err != nil {
			d.hung = append(d.hung, fmt.Sprintf("faults from %d: %v", i, err))
			return
		}
		what := ""
		for _, f := range burst {
			d.faults = append(d.faults, f)
			if !f.ok || len(f.problems) > 0 {
				d.cfg.logf("chaos: %v: want %s; got %s in %v %v", f, f.want, f.got, f.latency.Round(time.Millisecond), f.problems)
			}
			what += f.String() + "; "
			if i%25 == 0 {
				d.cfg.logf("chaos: %d faults applied, %d respawns", i, d.respawns)
			}
			i++
		}
		if !d.settle(ctx, strings.TrimSuffix(what, "; ")) {
			return
		}
		if (i-1)/50 > (i-1-len(burst))/50 {
			d.audit(ctx)
		}
	}
}

// pickBurst draws up to n faults on disjoint subtrees.
func (d *driver) pickBurst(first, n int) []*faultRec {
	var out []*faultRec
	for tries := 0; len(out) < n && tries < 10*n; tries++ {
		f := d.pick(first + len(out))
		if f == nil {
			break
		}
		disjoint := true
		for _, g := range out {
			if under(f.slot, g.slot) || under(g.slot, f.slot) {
				disjoint = false
			}
		}
		if disjoint {
			out = append(out, f)
		}
	}
	return out
}

// audit starts a fresh actor, whose only peer is the root, and has it look
// every slot up by name: the registry must hold exactly the live actors.
func (d *driver) audit(ctx context.Context) {
	a, err := actor.Current(ctx)
	if err != nil {
		d.registryBad = append(d.registryBad, err.Error())
		return
	}
	names := append([]string{"root"}, d.order...)
	err = actor.OpenNursery(ctx, func(ctx context.Context, an *actor.Nursery) error {
		p, err := an.StartActor(ctx, "auditor")
		if err != nil {
			return err
		}
		defer p.CancelActor(ctx)
		var uids []string
		err = sc.FailAfter(ctx, d.cfg.stepBound, func(ctx context.Context) error {
			var err error
			uids, err = lookupEP.Run(ctx, p, names)
			return err
		})
		if err != nil {
			return err
		}
		for i, name := range names {
			want := ""
			if name == "root" {
				want = a.ID().UID
			} else if v := d.slots[name]; v.alive && !d.dead(name) {
				want = v.uid
			}
			if uids[i] != want {
				d.registryBad = append(d.registryBad, fmt.Sprintf("%s: found %q, want %q", name, uids[i], want))
			}
		}
		d.audited += len(names)
		return nil
	})
	if err != nil {
		d.registryBad = append(d.registryBad, "audit: "+err.Error())
	}
}

// killTree kills every process below this one: the last resort of a soak
// that ran past its bound.
func killTree() {
	for _, p := range proccheck.Children() {
		killDescendants(p.PID)
	}
}

func killDescendants(pid int) {
	for _, c := range proccheck.ChildrenOf(pid) {
		killDescendants(c.PID)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
}
