//go:build linux

package chaos_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
)

// faultKind is one kind of fault the schedule draws.
type faultKind string

const (
	fKill          faultKind = "SIGKILL"
	fInt           faultKind = "SIGINT"
	fTerm          faultKind = "SIGTERM"
	fGroupInt      faultKind = "SIGINT subtree"
	fGroupTerm     faultKind = "SIGTERM subtree"
	fCancelCtx     faultKind = "cancel context"
	fCancelActor   faultKind = "cancel actor"
	fCloseListener faultKind = "close listener"
	fStall         faultKind = "stalled reader"
)

// faultKinds are drawn with these weights.
var faultKinds = []struct {
	k faultKind
	w int
}{
	{fKill, 24}, {fInt, 8}, {fTerm, 8}, {fGroupInt, 5}, {fGroupTerm, 5},
	{fCancelCtx, 16}, {fCancelActor, 12}, {fCloseListener, 8}, {fStall, 10},
}

// surfaceBound is the promise: a fault surfaces in the right parent as
// the documented error within a second. A stalled reader is overrun only
// once its mailbox is full, which takes 64 items of its sender: 1.28 s at
// the links' pace, counted twice, as a loaded sender paces slower.
const surfaceBound = time.Second

func boundOf(k faultKind) time.Duration {
	if k == fStall {
		return surfaceBound + 2*64*linkInterval
	}
	return surfaceBound
}

// spawnFailBound bounds how soon a child that cannot connect back fails
// its start (the promise is "promptly, well within the spawn timeout").
const spawnFailBound = 3 * time.Second

// faultRec is one applied fault and what it showed.
type faultRec struct {
	n        int
	kind     faultKind
	slot     string
	parent   string // the parent's actor name
	uid      string
	at       time.Time
	want     string
	got      string
	latency  time.Duration // until the documented error surfaced; -1: never
	ok       bool
	subtree  int           // processes that had to end with it
	goneIn   time.Duration // until they were all gone; -1: not within the bound; 0: none had to
	problems []string
}

func (f *faultRec) String() string {
	return fmt.Sprintf("fault %d: %s on %s", f.n, f.kind, f.slot)
}

func (f *faultRec) problem(format string, args ...any) {
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

// pick draws the next fault: a kind and a live actor below the root.
func (d *driver) pick(n int) *faultRec {
	var live []string
	for _, s := range d.order {
		if v := d.slots[s]; v.alive && !d.dead(s) {
			live = append(live, s)
		}
	}
	if len(live) == 0 {
		return nil
	}
	total := 0
	for _, fk := range faultKinds {
		total += fk.w
	}
	x := d.rng.IntN(total)
	k := faultKinds[0].k
	for _, fk := range faultKinds {
		if x < fk.w {
			k = fk.k
			break
		}
		x -= fk.w
	}
	slot := live[d.rng.IntN(len(live))]
	parent := parentOf(slot)
	if parent == "" {
		parent = "root"
	}
	return &faultRec{n: n, kind: k, slot: slot, parent: parent, uid: d.slots[slot].uid, latency: -1}
}

// apply applies the fault and checks what it promises.
func (d *driver) apply(ctx context.Context, f *faultRec) {
	v := d.slots[f.slot]
	subtree := d.livePIDs(f.slot)
	var gone chan time.Duration
	watch := func() {
		f.subtree = len(subtree)
		gone = make(chan time.Duration, 1)
		go watchGone(subtree, f.at, 10*time.Second, gone)
	}
	switch f.kind {
	case fKill, fInt, fTerm, fGroupInt, fGroupTerm:
		sig, status := syscall.SIGKILL, "signal: killed"
		switch f.kind {
		case fInt, fGroupInt:
			sig, status = syscall.SIGINT, "exit status 0"
		case fTerm, fGroupTerm:
			sig, status = syscall.SIGTERM, "exit status 0"
		}
		targets := []int{v.pid}
		if f.kind == fGroupInt || f.kind == fGroupTerm {
			targets = slices.Clone(subtree)
			slices.Reverse(targets) // the leaves first, as a terminal's group would get it at once
		}
		f.at = time.Now()
		for _, pid := range targets {
			_ = syscall.Kill(pid, sig)
			if sig == syscall.SIGKILL {
				d.killed[pid] = true
			}
		}
		watch()
		// The call running the child's body ends first: the connection
		// lost (naming the child) for a kill, the child's own cancel for
		// a stop signal.
		run := "closed"
		if sig != syscall.SIGKILL {
			run = "cancelled-by:" + f.slot
		}
		f.want = fmt.Sprintf("ChildExitError naming %s (%s) in %s, its body call %s", f.slot, status, f.parent, run)
		if r, ok := d.await(ctx, f, isExit(f)); ok {
			f.got = fmt.Sprintf("%s %q, its body call %s", r.Kind, r.Status, r.RunKind)
			f.ok = r.Kind == "child-exit" && r.Status == status && strings.Contains(r.Detail, f.slot+"@") &&
				r.RunKind == run && strings.Contains(r.RunText, f.slot+"@")
		}
	case fCancelCtx:
		f.at = time.Now()
		if _, err := d.cmd(ctx, parentOf(f.slot), Cmd{Op: "cancelLink", Slot: f.slot}); err != nil {
			f.problem("the cancel command failed: %v", err)
			return
		}
		f.want = fmt.Sprintf("Open returns the ContextCancelled acknowledging %s's own cancel", f.parent)
		if r, ok := d.await(ctx, f, isParentLinkEnd(f)); ok {
			f.got = r.Kind + " " + r.Detail
			f.ok = r.Kind == "self-cancel-ack" && r.Detail == "canceller "+f.parent
		}
	case fCancelActor:
		f.at = time.Now()
		watch()
		d.cancelActor(ctx, f)
	case fCloseListener:
		res, err := d.cmd(ctx, f.slot, Cmd{Op: "closeListener"})
		f.at = time.Now()
		if err != nil {
			f.problem("the close command failed: %v", err)
			return
		}
		// A live actor whose listener died keeps its connections but
		// accepts no new one: a child it starts cannot connect back and
		// fails its start promptly.
		if refused, err := dialRefused(ctx, res.Addr); !refused {
			f.problem("a new connection to %s was not refused: %v", res.Addr, err)
		}
		if _, err := d.cmd(ctx, f.slot, Cmd{Op: "ping"}); err != nil {
			f.problem("an existing connection stopped serving: %v", err)
		}
		pr, err := d.cmd(ctx, f.slot, Cmd{Op: "spawnProbe"})
		switch {
		case err != nil:
			f.problem("the probe start failed to run: %v", err)
		case pr.Kind != "spawn":
			f.problem("a child started by it gave %s (%s), want a SpawnError", pr.Kind, pr.Detail)
		case time.Duration(pr.Took) > spawnFailBound:
			f.problem("its child's start failed only after %v", time.Duration(pr.Took).Round(time.Millisecond))
		}
		// Its parent then replaces it.
		subtree = d.livePIDs(f.slot)
		f.at = time.Now()
		watch()
		d.cancelActor(ctx, f)
		f.want = "new connections refused, old ones served, a child's start a prompt SpawnError; then " + f.want
	case fStall:
		if _, err := d.cmd(ctx, f.slot, Cmd{Op: "stall"}); err != nil {
			f.problem("the stall command failed: %v", err)
			return
		}
		f.at = time.Now()
		f.want = fmt.Sprintf("a StreamOverrun ends %s's link, and the stalled side's end of it", f.parent)
		r, ok := d.await(ctx, f, isParentLinkEnd(f))
		if !ok {
			break
		}
		f.got = r.Kind + " " + r.Detail
		f.ok = r.Kind == "overrun"
		// The dialog is over for the parent: the stalled side must not
		// go on serving it.
		endAt := time.Unix(0, r.At)
		s, ok := d.await(ctx, f, func(x Report) bool {
			return x.Type == "serveEnd" && x.From == f.slot && x.Link == "parent"
		})
		switch {
		case !ok:
			f.problem("the stalled side's end of the link still ran %v after the parent's ended", d.cfg.stepBound)
		case time.Unix(0, s.At).Sub(endAt) > surfaceBound:
			f.problem("the stalled side's end of the link ended %v after the parent's", time.Unix(0, s.At).Sub(endAt).Round(time.Millisecond))
		}
	}
	if gone != nil {
		_ = sc.ToGoroutine(ctx, func(context.Context) error {
			f.goneIn = <-gone
			return nil
		}, false)
	}
}

// cancelActor has the parent cancel the fault's actor and checks the
// outcome: CancelActor returns nil once the actor is gone, and the
// child's body call ends with a ContextCancelled naming the parent.
func (d *driver) cancelActor(ctx context.Context, f *faultRec) {
	f.want = fmt.Sprintf("CancelActor returns nil; the body call ends cancelled by %s", f.parent)
	res, err := d.cmd(ctx, parentOf(f.slot), Cmd{Op: "cancelActor", Slot: f.slot})
	if err != nil {
		f.problem("the cancel command failed: %v", err)
		return
	}
	if res.Kind != "nil" {
		f.problem("CancelActor returned %s: %s", res.Kind, res.Detail)
	}
	if r, ok := d.await(ctx, f, isExit(f)); ok {
		f.got = fmt.Sprintf("%s, its body call %s", r.Kind, r.RunKind)
		f.ok = r.Kind == "nil" && r.RunKind == "cancelled-by:"+f.parent && res.Kind == "nil"
	}
}

func isExit(f *faultRec) func(Report) bool {
	return func(r Report) bool {
		return r.Type == "exited" && r.Slot == f.slot && r.UID == f.uid && r.From == parentOf(f.slot)
	}
}

func isParentLinkEnd(f *faultRec) func(Report) bool {
	return func(r Report) bool {
		return r.Type == "linkEnd" && r.Slot == f.slot && r.Link == "parent" && r.From == parentOf(f.slot)
	}
}

// await waits, within the step bound, for a report of the current step
// that match accepts, and records the latency of the first one.
func (d *driver) await(ctx context.Context, f *faultRec, match func(Report) bool) (Report, bool) {
	var found Report
	ok := d.waitFor(ctx, d.cfg.stepBound, func() bool {
		for _, r := range d.step {
			if match(r) {
				found = r
				return true
			}
		}
		return false
	})
	if !ok {
		f.problem("nothing surfaced within %v", d.cfg.stepBound)
		d.hung = append(d.hung, f.String()+": nothing surfaced")
		return Report{}, false
	}
	if l := time.Unix(0, found.At).Sub(f.at); f.latency < 0 || l > f.latency {
		f.latency = l
	}
	return found, true
}

// cmd runs a command in the node of slot ("" for the root), bounded.
func (d *driver) cmd(ctx context.Context, slot string, c Cmd) (CmdResult, error) {
	var res CmdResult
	err := sc.FailAfter(ctx, d.cfg.stepBound, func(ctx context.Context) error {
		if slot == "" {
			var err error
			res, err = self.command(ctx, c)
			return err
		}
		p, err := actor.FindActor(ctx, slot)
		if err != nil {
			return err
		}
		res, err = cmdEP.Run(ctx, p, c)
		return err
	})
	if errors.Is(err, sc.ErrTooSlow) {
		d.hung = append(d.hung, fmt.Sprintf("command %s to %q", c.Op, slot))
	}
	return res, err
}

// dialRefused reports whether a TCP connection to addr is refused.
func dialRefused(ctx context.Context, addr string) (bool, error) {
	var derr error
	_ = sc.ToGoroutine(ctx, func(context.Context) error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			derr = errors.New("connected")
			return nil
		}
		derr = err
		return nil
	}, false)
	return errors.Is(derr, syscall.ECONNREFUSED), derr
}

// watchGone sends how long after since every pid was gone, or -1 if they
// were not within bound. It runs on its own goroutine.
func watchGone(pids []int, since time.Time, bound time.Duration, out chan<- time.Duration) {
	if len(pids) == 0 {
		out <- 0
		return
	}
	deadline := since.Add(bound)
	for time.Now().Before(deadline) {
		if noneAlive(pids) {
			out <- time.Since(since)
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	out <- -1
}
