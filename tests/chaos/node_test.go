//go:build linux

package chaos_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/ipc"
	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// Every actor of the tree, the root included, is a node: it supervises
// the slots below it (spawning, linking, respawning), keeps a link with
// each child and one with a sibling, and obeys the driver's commands.
// The node's state belongs to its actor's runner: only tasks touch it.

// NodeArg is what a parent hands a child's node body.
type NodeArg struct {
	Slot     string
	Shape    string
	Infected string // comma-separated infected slots
}

// Report is one observation a node sends the driver in the root. At is
// the wall clock of the observation (every actor runs on this machine).
type Report struct {
	Type    string // spawned, spawnFailed, exited, respawn, linkUp, linkEnd, serveEnd, seq
	Slot    string // the slot observed (a child, or a link's far end)
	From    string // the slot of the observer
	Link    string // parent or sibling, for link reports
	UID     string
	PID     int
	At      int64
	Kind    string // the error's category, see classify
	RunKind string // exited: how the child's node body call ended
	RunText string // exited: that call's error
	Status  string // exited: the child's exit status, when the error gives it
	Detail  string
	N       int64 // link reports: stream items received and checked
}

// Cmd is a driver command to a node.
type Cmd struct {
	Op   string // ping, cancelLink, cancelActor, stall, closeListener, spawnProbe
	Slot string // the child slot, for cancelLink and cancelActor
}

// CmdResult answers a Cmd.
type CmdResult struct {
	Addr   string
	Kind   string
	Detail string
	Took   int64 // nanoseconds
}

// LinkArg opens a link.
type LinkArg struct {
	From string
	Link string
}

// LinkInfo is a link's started value: who serves it.
type LinkInfo struct {
	PID int
	UID string
}

// linkInterval paces each side of a link; a stalled reader is overrun
// after its mailbox's 64 items, about 64 intervals.
const linkInterval = 20 * time.Millisecond

// reportBudget bounds a report's delivery to the root.
const reportBudget = 5 * time.Second

type node struct {
	slot        string
	arg         NodeArg
	sh          shape
	drv         *driver // the root's only
	slots       map[string]*slotState
	stallParent bool // the parent link's reader stops at its next item
}

// slotState is a child slot as its parent sees it.
type slotState struct {
	slot       string
	portal     *actor.Portal
	uid        string
	cancelLink func(ctx context.Context) // set while the parent link is open
}

// self is this process's node.
var self *node

func nodeOf(ctx context.Context) *node {
	if self == nil {
		name := ""
		if a, err := actor.Current(ctx); err == nil {
			name = a.Name()
		}
		self = &node{slot: name, slots: map[string]*slotState{}}
	}
	return self
}

// runEP is a node's body: it runs until the actor is cancelled. It is
// registered in init, as it starts the same body in the node's children.
var runEP *actor.Endpoint[NodeArg, int]

func init() {
	runEP = actor.Func("chaos.run", func(ctx context.Context, arg NodeArg) (int, error) {
		a, err := actor.Current(ctx)
		if err != nil {
			return 0, err
		}
		n := nodeOf(ctx)
		n.slot, n.arg, n.sh = arg.Slot, arg, parseShape(arg.Shape)
		dir, pid := os.Getenv(dirEnv), strconv.Itoa(os.Getpid())
		a.OnExit(func(ctx context.Context) error {
			return os.WriteFile(filepath.Join(dir, "exit", pid), []byte(a.ID().UID), 0o600)
		})
		if err := os.WriteFile(filepath.Join(dir, "armed", pid), []byte(arg.Slot+" "+a.ID().UID), 0o600); err != nil {
			return 0, err
		}
		return 0, n.serve(ctx)
	})
}

var (
	// linkEP is the serving side of a link: a stream of sequence numbers
	// both ways.
	linkEP = actor.ContextFunc("chaos.link", func(ctx context.Context, c *actor.Context[LinkInfo, int64], arg LinkArg) (int64, error) {
		a, err := actor.Current(ctx)
		if err != nil {
			return 0, err
		}
		n := nodeOf(ctx)
		if err := c.Started(ctx, LinkInfo{PID: os.Getpid(), UID: a.ID().UID}); err != nil {
			return 0, err
		}
		s, err := c.OpenStream(ctx, false)
		if err != nil {
			return 0, err
		}
		l := &linkRun{n: n, far: arg.From, link: arg.Link}
		err = l.pump(ctx, s, arg.Link == "parent")
		n.report(ctx, Report{Type: "serveEnd", Slot: arg.From, From: a.Name(), Link: arg.Link, Kind: classify(err), Detail: errText(err), N: l.chk.n})
		return l.chk.n, err
	})

	// cmdEP runs a driver command in the node.
	cmdEP = actor.Func("chaos.cmd", func(ctx context.Context, c Cmd) (CmdResult, error) {
		return nodeOf(ctx).command(ctx, c)
	})

	// reportEP takes a node's report, in the root.
	reportEP = actor.Func("chaos.report", func(ctx context.Context, r Report) (bool, error) {
		n := nodeOf(ctx)
		if n.drv == nil {
			return false, errors.New("chaos: report sent to an actor that is not the soak's root")
		}
		return n.drv.handle(r), nil
	})

	// lookupEP looks every name up, from the auditor: the uid found, "" for
	// none, or "error: ...".
	lookupEP = actor.Func("chaos.lookup", func(ctx context.Context, names []string) ([]string, error) {
		out := make([]string, len(names))
		for i, name := range names {
			err := sc.FailAfter(ctx, 5*time.Second, func(ctx context.Context) error {
				p, err := actor.FindActor(ctx, name)
				if err == nil {
					out[i] = p.Peer().UID
				}
				return err
			})
			switch {
			case errors.Is(err, actor.ErrActorNotFound):
				out[i] = ""
			case err != nil:
				out[i] = "error: " + err.Error()
			}
		}
		return out, nil
	})
)

// serve runs the node: a supervisor per child slot and the sibling link,
// until cancelled.
func (n *node) serve(ctx context.Context) error {
	return sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
		for _, c := range n.sh.children(n.slot) {
			sn.StartSoon("slot "+c, func(ctx context.Context) error { return n.superviseSlot(ctx, c) })
		}
		if sib, ok := n.sh.siblingPeer(n.slot); ok {
			sn.StartSoon("sibling "+sib, func(ctx context.Context) error { n.siblingLink(ctx, sib); return nil })
		}
		return sc.SleepForever(ctx)
	})
}

// report sends r to the driver and returns its answer (false when it
// could not be delivered). It is shielded, so a node being cancelled
// still reports how, and bounded.
func (n *node) report(ctx context.Context, r Report) bool {
	if r.At == 0 {
		r.At = time.Now().UnixNano()
	}
	if r.From == "" {
		r.From = n.slot
	}
	if n.drv != nil {
		return n.drv.handle(r)
	}
	var ok bool
	err := sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
		s.SetShield(true)
		return sc.FailAfter(ctx, reportBudget, func(ctx context.Context) error {
			p, err := actor.FindActor(ctx, "root")
			if err != nil {
				return err
			}
			ok, err = reportEP.Run(ctx, p, r)
			return err
		})
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "chaos: %s: report %s of %s lost: %v\n", n.slot, r.Type, r.Slot, err)
	}
	return ok
}

// superviseSlot keeps the child slot alive: it starts the child, runs its
// node body and its parent link, reports how it ended, and respawns it
// while the driver grants it.
func (n *node) superviseSlot(ctx context.Context, slot string) error {
	for inc := 0; ; inc++ {
		if ctx.Err() != nil {
			return nil
		}
		if inc > 0 && !n.report(ctx, Report{Type: "respawn", Slot: slot}) {
			return nil
		}
		st := &slotState{slot: slot}
		n.slots[slot] = st
		var runErr error
		err := actor.OpenNursery(ctx, func(ctx context.Context, an *actor.Nursery) error {
			p, err := an.StartActor(ctx, slot, startOptions(kindOf(slot, n.arg.Infected))...)
			if err != nil {
				return err
			}
			st.portal, st.uid = p, p.Peer().UID
			n.report(ctx, Report{Type: "spawned", Slot: slot, UID: st.uid, PID: p.PID()})
			return sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
				runDone := &sc.Event{}
				sn.StartSoon("run "+slot, func(ctx context.Context) error {
					_, runErr = runEP.Run(ctx, p, NodeArg{Slot: slot, Shape: n.arg.Shape, Infected: n.arg.Infected})
					runDone.Set()
					return nil
				})
				sn.StartSoon("link "+slot, func(ctx context.Context) error {
					n.parentLink(ctx, st)
					return nil
				})
				if err := runDone.Wait(ctx); err != nil {
					return err
				}
				// The child's body ended: it is going; its exit ends the
				// nursery (as an error when nobody asked it to go).
				sn.CancelScope().Cancel()
				return nil
			})
		})
		r := Report{Type: "exited", Slot: slot, UID: st.uid, At: time.Now().UnixNano(), Kind: classify(err), RunKind: classify(runErr), RunText: errText(runErr), Detail: errText(err)}
		var ce *actor.ChildExitError
		if errors.As(err, &ce) {
			r.Status = ce.Status
		}
		if st.uid == "" {
			r.Type = "spawnFailed"
		}
		st.portal = nil
		n.report(ctx, r)
		if ctx.Err() != nil {
			return nil
		}
		if st.uid == "" {
			if err := sc.Sleep(ctx, 100*time.Millisecond); err != nil {
				return nil
			}
		}
	}
}

// parentLink keeps the link with a child open, reopening it after the
// parent's own cancel or an overrun (a stalled reader).
func (n *node) parentLink(ctx context.Context, st *slotState) {
	for ctx.Err() == nil {
		switch n.openLink(ctx, st.portal, st.slot, "parent", st) {
		case "self-cancel-ack", "overrun":
			continue
		}
		return
	}
}

// siblingLink keeps a link with the sibling found by name.
func (n *node) siblingLink(ctx context.Context, sib string) {
	for ctx.Err() == nil {
		var p *actor.Portal
		err := sc.FailAfter(ctx, 5*time.Second, func(ctx context.Context) error {
			var err error
			p, err = actor.WaitForActor(ctx, sib)
			return err
		})
		if err == nil {
			n.openLink(ctx, p, sib, "sibling", nil)
		}
		if err := sc.Sleep(ctx, 100*time.Millisecond); err != nil {
			return
		}
	}
}

// openLink runs one link with the actor behind p until it ends, and
// reports how it ended; it returns that category.
func (n *node) openLink(ctx context.Context, p *actor.Portal, far, link string, st *slotState) string {
	l := &linkRun{n: n, far: far, link: link}
	var c *actor.Context[LinkInfo, int64]
	_, err := linkEP.Open(ctx, p, LinkArg{From: n.slot, Link: link}, func(ctx context.Context, cc *actor.Context[LinkInfo, int64], info LinkInfo) error {
		c = cc
		if st != nil {
			st.cancelLink = func(ctx context.Context) {
				l.stopping = true
				cc.Cancel(ctx)
			}
			defer func() { st.cancelLink = nil }()
		}
		n.report(ctx, Report{Type: "linkUp", Slot: far, Link: link, UID: info.UID, PID: info.PID})
		s, err := cc.OpenStream(ctx, false)
		if err != nil {
			return err
		}
		return l.pump(ctx, s, false)
	})
	k := classify(err)
	detail := errText(err)
	if err == nil && c != nil && c.Outcome() != nil {
		var cc *actor.ContextCancelled
		if errors.As(c.Outcome(), &cc) {
			k, detail = "self-cancel-ack", "canceller "+cc.Canceller.Name
		}
	}
	n.report(ctx, Report{Type: "linkEnd", Slot: far, Link: link, Kind: k, Detail: detail, N: l.chk.n})
	return k
}

// linkRun is one side of one link.
type linkRun struct {
	n        *node
	far      string
	link     string
	stopping bool // this side cancelled the link: stop sending
	chk      seqCheck
}

// pump sends a sequence number every linkInterval and checks the ones
// received, until either side ends the stream. A stallable side stops
// reading when its node is told to stall.
func (l *linkRun) pump(ctx context.Context, s *actor.MsgStream[int64], stallable bool) error {
	return sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
		sn.StartSoon("send", func(ctx context.Context) error {
			for seq := int64(1); ; seq++ {
				if err := sc.Sleep(ctx, linkInterval); err != nil {
					return err
				}
				if l.stopping {
					return nil
				}
				if err := s.Send(ctx, seq); err != nil {
					return err
				}
			}
		})
		sn.StartSoon("receive", func(ctx context.Context) error {
			for {
				v, err := s.Receive(ctx)
				if errors.Is(err, actor.ErrEndOfStream) {
					sn.CancelScope().Cancel()
					return nil
				}
				if err != nil {
					return err
				}
				if bad := l.chk.see(v); bad != "" {
					l.n.report(ctx, Report{Type: "seq", Slot: l.far, Link: l.link, Detail: bad})
				}
				if stallable && l.n.stallParent {
					l.n.stallParent = false
					return sc.SleepForever(ctx)
				}
			}
		})
		return nil
	})
}

// seqCheck checks that a stream delivers 1, 2, 3, ... exactly once each,
// in order.
type seqCheck struct {
	last, n int64
}

func (c *seqCheck) see(v int64) string {
	c.n++
	defer func() {
		if v > c.last {
			c.last = v
		}
	}()
	switch {
	case v <= c.last:
		return fmt.Sprintf("item %d after %d: delivered twice or out of order", v, c.last)
	case v > c.last+1:
		return fmt.Sprintf("item %d after %d: items missing with no error", v, c.last)
	}
	return ""
}

// command runs a driver command.
func (n *node) command(ctx context.Context, c Cmd) (CmdResult, error) {
	switch c.Op {
	case "ping":
		return CmdResult{}, nil
	case "stall":
		n.stallParent = true
		return CmdResult{}, nil
	case "cancelLink", "cancelActor":
		st := n.slots[c.Slot]
		if st == nil || st.portal == nil {
			return CmdResult{}, fmt.Errorf("chaos: %s has no live child in slot %s", n.slot, c.Slot)
		}
		if c.Op == "cancelActor" {
			start := time.Now()
			err := st.portal.CancelActor(ctx)
			return CmdResult{Kind: classify(err), Detail: errText(err), Took: int64(time.Since(start))}, nil
		}
		if st.cancelLink == nil {
			return CmdResult{}, fmt.Errorf("chaos: %s has no open link with %s", n.slot, c.Slot)
		}
		st.cancelLink(ctx)
		return CmdResult{}, nil
	case "closeListener":
		a, err := actor.Current(ctx)
		if err != nil {
			return CmdResult{}, err
		}
		addr := a.Addr()
		if err := shutdownListener(addr); err != nil {
			return CmdResult{}, err
		}
		return CmdResult{Addr: addr.Address}, nil
	case "spawnProbe":
		start := time.Now()
		err := actor.OpenNursery(ctx, func(ctx context.Context, an *actor.Nursery) error {
			p, err := an.StartActor(ctx, "probe."+n.slot, actor.WithSpawnTimeout(10*time.Second))
			if err != nil {
				return err
			}
			return p.CancelActor(ctx)
		})
		return CmdResult{Kind: classify(err), Detail: errText(err), Took: int64(time.Since(start))}, nil
	}
	return CmdResult{}, fmt.Errorf("chaos: unknown command %q", c.Op)
}

// classify names an outcome's category, as the checks compare them.
func classify(err error) string {
	var (
		ce *actor.ChildExitError
		se *actor.SpawnError
		cc *actor.ContextCancelled
	)
	switch {
	case err == nil:
		return "nil"
	case errors.As(err, &ce):
		return "child-exit"
	case errors.As(err, &se):
		return "spawn"
	case errors.Is(err, msg.ErrStreamOverrun):
		return "overrun"
	case errors.As(err, &cc):
		return "cancelled-by:" + cc.Canceller.Name
	case errors.Is(err, ipc.ErrClosed):
		return "closed"
	case errors.Is(err, sc.ErrCancelled):
		return "local-cancel"
	}
	return "other"
}

// errText is err's text on one line, bounded.
func errText(err error) string {
	if err == nil {
		return ""
	}
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 600 {
		s = s[:600] + "..."
	}
	return s
}
