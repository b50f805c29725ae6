package actor

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hitchrt/hitch/actor/ipc"
	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// burstBatch is how many messages the reader gathers, when more are read
// already, before it queues their delivery: enough to keep a reply's
// messages together, few enough that the runner starts on a stream's
// items while the reader decodes the rest.
const burstBatch = 8

// dialogMailbox is the capacity of a dialog's mailbox (tractor's context
// mailbox size).
const dialogMailbox = 64

// peer is one connection to another actor, and the dialogs multiplexed
// over it. Messages reach the runner like this:
//
//	channel reader goroutine: onMessage ── in (guarded by mu)
//	     └─ RunSyncNow/Soon(deliver), once per batch ─┐
//	runner tick: deliver ── dispatch ── dialog mailbox ── parked task
//
// so a message takes at most one goroutine hop, from the socket's reader
// into the runner, and a task waiting for a message parks in its dialog's
// mailbox: the runner never waits on the network. When the runner waits
// idle and was started with sc.WithInlineDrive (actor.Run and sub-actors
// are), the reader runs the tick itself, and the reply it leads to is
// flushed on the same goroutine: no hop at all. One delivery is queued per
// batch, not per message: while a delivery is pending, the reader only
// appends.
type peer struct {
	a  *Actor
	ch *ipc.Channel
	id ActorID

	mu        sync.Mutex
	in        []msg.Msg    // received, not yet delivered; guarded by mu
	spare     []msg.Msg    // deliver's previous batch, reused; guarded by mu
	scheduled bool         // a deliver job is queued, or the peer is held; guarded by mu
	held      bool         // not yet added: messages wait in in; guarded by mu
	ended     bool         // the channel's end was seen while held; guarded by mu
	endErr    error        // the channel's end, once seen; guarded by mu
	firstDone bool         // the first message went to first, or the end came; guarded by mu
	first     chan msg.Msg // set before the reader starts to divert the first message to firstMsg
	deliverFn func()       // p.deliver, made once

	// Runner-owned.
	batch    []msg.Msg          // the batch being delivered (whole, for reuse)
	backlog  []msg.Msg          // its part not yet dispatched
	dialogs  map[string]*dialog // dialogs this side opened, by cid
	rpcs     map[string]*rpc    // requests of this peer being served, by cid
	child    *child             // set when the peer is our sub-actor
	flushFn  func()             // p.flush, made once
	flushing bool               // a flush job is queued
	down     bool
	err      error // why the connection ended, once down
}

func newPeer(a *Actor, ch *ipc.Channel) *peer {
	p := &peer{a: a, ch: ch, id: ch.Peer().ID(), dialogs: map[string]*dialog{}, rpcs: map[string]*rpc{}}
	p.deliverFn, p.flushFn = p.deliver, p.flush
	return p
}

// serveConn is the listener's callback for an accepted connection: it
// registers the peer with the runner, has the channel's reader hand it
// the messages, and returns once the connection has ended. It runs on a
// goroutine of ipc's Serve.
func (a *Actor) serveConn(ctx context.Context, ch *ipc.Channel) {
	if ch.Peer().Probe {
		// A registry probe only wanted the handshake's answer.
		ch.Close()
		return
	}
	p := newPeer(a, ch)
	if err := a.tok.RunSyncSoon(func() { a.peerUp(p) }); err != nil {
		ch.Close()
		return
	}
	// Queued after peerUp, so the runner knows the peer before its first
	// message.
	ch.OnMessage(p.onMessage)
	p.watch(ctx)
}

// holdDialed makes the peer of a channel this actor dialed and starts its
// reader, holding the messages until addPeer. With first set, the first
// message is not held but kept for firstMsg (a sub-actor's spawn spec,
// which comes before anything else). Any goroutine.
func (a *Actor) holdDialed(ch *ipc.Channel, first bool) *peer {
	p := newPeer(a, ch)
	p.held, p.scheduled = true, true
	if first {
		p.first = make(chan msg.Msg, 1)
	}
	ch.OnMessage(p.onMessage)
	return p
}

// firstMsg waits for the message holdDialed kept aside, until the channel
// ends or ctx is done. A plain goroutine (sc.ToGoroutine), once.
func (p *peer) firstMsg(ctx context.Context) (msg.Msg, error) {
	select {
	case m, ok := <-p.first:
		if !ok { // closed at the end
			p.mu.Lock()
			err := p.endErr
			p.mu.Unlock()
			return nil, err
		}
		return m, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// addDialed registers a channel this actor dialed and starts its reader.
// Runner-owned.
func (a *Actor) addDialed(ch *ipc.Channel) *peer {
	return a.addPeer(a.holdDialed(ch, false))
}

// addPeer registers a peer made by holdDialed and delivers what it held.
// Runner-owned.
func (a *Actor) addPeer(p *peer) *peer {
	a.peerUp(p)
	p.mu.Lock()
	p.held = false
	ended, err := p.ended, p.endErr
	pending := len(p.in) > 0
	p.scheduled = pending
	p.mu.Unlock()
	// Runner jobs run in the order queued: the held messages first, then
	// the end.
	if pending {
		_ = a.tok.RunSyncSoon(p.deliverFn)
	}
	if ended {
		_ = a.tok.RunSyncSoon(func() { a.peerDown(p, err) })
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		p.watch(a.goCtx)
	}()
	return p
}

// watch waits until the connection ends or ctx (the runtime's) is done,
// then closes the channel, which returns once the reader has reported the
// end (onMessage). It blocks its goroutine; nothing per message passes
// through it.
func (p *peer) watch(ctx context.Context) {
	select {
	case <-p.ch.Done():
	case <-ctx.Done():
	}
	p.ch.Close()
}

// onMessage is the channel's OnMessage callback, on its reader goroutine:
// it appends m to the batch for the runner and queues one delivery per
// batch; at the end it queues peerDown behind the deliveries.
func (p *peer) onMessage(m msg.Msg, end error) {
	p.mu.Lock()
	if end != nil {
		p.endErr = end
		if p.first != nil && !p.firstDone {
			p.firstDone = true
			close(p.first) // firstMsg then reports endErr
		}
		if p.held {
			p.ended = true
			p.mu.Unlock()
			return
		}
		// What the reader batched without queueing goes first.
		flush := len(p.in) > 0 && !p.scheduled
		p.scheduled = p.scheduled || flush
		p.mu.Unlock()
		if flush {
			_ = p.a.tok.RunSyncSoon(p.deliverFn)
		}
		_ = p.a.tok.RunSyncSoon(func() { p.a.peerDown(p, end) })
		return
	}
	if p.first != nil && !p.firstDone {
		p.firstDone = true
		p.first <- m // never blocks: one message, capacity 1
		p.mu.Unlock()
		return
	}
	p.in = append(p.in, m)
	if p.scheduled {
		p.mu.Unlock()
		return
	}
	more := p.ch.MoreReceived()
	if more && len(p.in) < burstBatch {
		// The next message is read already (a reply's StartAck and
		// Return come in one write): it joins this batch at once.
		p.mu.Unlock()
		return
	}
	p.scheduled = true
	p.mu.Unlock()
	if more {
		// A burst (a stream): queued, the runner works through the batch
		// while this goroutine decodes the rest.
		_ = p.a.tok.RunSyncSoon(p.deliverFn)
		return
	}
	// Nothing more is read (a request or a reply): delivered on this
	// goroutine when the runner waits idle (it then runs the tasks the
	// batch wakes too), else queued.
	_ = p.a.tok.RunSyncNow(p.deliverFn)
}

// deliver dispatches what was received: first what an earlier delivery
// left (backlog), then the batch received since. Runner job.
func (p *peer) deliver() {
	p.mu.Lock()
	p.scheduled = false // this job is no longer queued
	p.mu.Unlock()
	fresh := len(p.backlog) == 0
	for {
		if fresh {
			p.mu.Lock()
			p.batch = p.in
			p.in = p.spare[:0]
			p.spare = nil
			p.mu.Unlock()
			p.backlog = p.batch
		}
		if !p.dispatchBacklog() {
			return
		}
		p.mu.Lock()
		if p.spare == nil {
			p.spare = p.batch[:0]
		}
		more := !fresh && len(p.in) > 0
		p.mu.Unlock()
		p.batch = nil
		if !more {
			return
		}
		// The backlog is gone and more came meanwhile: take it too,
		// as one delivery.
		fresh = true
	}
}

// dispatchBacklog dispatches the backlog and reports whether it is all
// gone. When a full mailbox makes the rest wait for the next tick (after
// the reader's turn: only a reader that made no progress since is
// overrun), it queues the next delivery. The rest stays where it is, so a
// long batch is never copied.
func (p *peer) dispatchBacklog() bool {
	for i, m := range p.backlog {
		if !p.a.dispatch(p, m) {
			p.backlog = p.backlog[i:]
			p.mu.Lock()
			again := !p.scheduled
			p.scheduled = true
			p.mu.Unlock()
			if again {
				_ = p.a.tok.RunSyncSoon(p.deliverFn)
			}
			return false
		}
		p.backlog[i] = nil
	}
	p.backlog = nil
	return true
}

// send queues m for the peer without ever blocking the runner: it is
// called from task steps and runner jobs. A peer that has stopped reading
// while more than the channel's send queue (ipc.WithSendQueue, 1 MiB by
// default) waits to be written fails the send with an error matching
// ipc.ErrSendQueueFull naming the peer, rather than stalling this actor and
// every other dialog on it.
//
// What is sent within one tick goes out together: the first send queues a
// flush for the next tick, which writes everything queued since on the
// runner's goroutine when the socket takes it at once, so a reply costs
// no goroutine wake-up and a burst one write.
func (p *peer) send(m msg.Msg) error {
	if p.down {
		return p.lostErr()
	}
	if !p.flushing {
		if err := p.a.tok.RunSyncSoon(p.flushFn); err == nil {
			p.flushing = true
		}
	}
	if !p.flushing {
		// The run is ending: no flush job will run, so wake the writer.
		err := p.ch.TrySend(m)
		return p.sendErr(err)
	}
	return p.sendErr(p.ch.TrySendHeld(m))
}

// flush writes what send queued. Runner job.
func (p *peer) flush() {
	p.flushing = false
	p.ch.Flush()
}

// sendErr names the peer in a full send queue's error.
func (p *peer) sendErr(err error) error {
	if err != nil {
		if errors.Is(err, ipc.ErrSendQueueFull) {
			return fmt.Errorf("actor: %v is not reading its messages: %w", p.id, err)
		}
		return err
	}
	return nil
}

// lostErr is the error of calls on a peer whose connection has ended.
func (p *peer) lostErr() error {
	err := p.err
	if err == nil || errors.Is(err, context.Canceled) {
		err = ErrPortalClosed
	}
	return fmt.Errorf("actor: connection to %v lost: %w", p.id, err)
}

// peerUp registers a connected peer; a sub-actor being started is matched
// by its uid. A second connection from an actor already connected (one
// that dialed this actor while this actor dialed it, or a lookup that
// found a stale address here) is served, but the first stays the one
// lookups and the parent watch use. Runner job.
func (a *Actor) peerUp(p *peer) {
	if old := a.peers[p.id.UID]; old == nil || old.down {
		a.peers[p.id.UID] = p
	}
	a.logger.Log(context.Background(), LevelTransport, "actor: peer connected", "actor", a.id.String(), "peer", p.id.String())
	if c := a.pending[p.id.UID]; c != nil {
		delete(a.pending, p.id.UID)
		c.connected(p)
	}
}

// peerDown ends every dialog with the peer, cancels what is served for
// it, and, when it was the parent, cancels this actor. Runner job.
func (a *Actor) peerDown(p *peer, err error) {
	if a.peers[p.id.UID] == p {
		delete(a.peers, p.id.UID)
	}
	if p.down {
		return // the child's exit was seen first (markExited)
	}
	p.down, p.err = true, err
	lost := p.lostErr()
	for cid, d := range p.dialogs {
		_ = d.mb.Close(lost)
		delete(p.dialogs, cid)
		if d.st != nil {
			d.st.failed(lost)
		}
	}
	for _, r := range p.rpcs {
		r.cancel(p.id)
	}
	if a.reg != nil {
		a.reg.dropPeer(p)
	}
	if p.child != nil {
		p.child.chanDown.Set()
	}
	if p == a.parent && !a.cancelled {
		a.logger.Warn("actor: lost the parent; exiting", "actor", a.id.String(), "parent", p.id.String(), "err", err)
		a.parentLost()
	}
}

// dispatch routes one message: a Start opens a request served here; the
// other dialog messages go to the mailbox of their dialog. It returns
// false, taking nothing, when the message should wait for the next tick
// (see dialog.push). Runner-owned.
func (a *Actor) dispatch(p *peer, m msg.Msg) bool {
	switch m := m.(type) {
	case *msg.Start:
		a.handleStart(p, m)
		return true
	case *msg.Identity, *msg.SpawnSpec:
		a.logger.Warn("actor: unexpected message; ignored", "actor", a.id.String(), "peer", p.id.String(), "kind", m.Kind().String())
		return true
	}
	cid, _ := msg.CidOf(m)
	d := p.dialogs[cid]
	if d == nil {
		a.logger.Log(context.Background(), LevelRuntime, "actor: message for no open dialog; dropped", "actor", a.id.String(), "peer", p.id.String(), "kind", m.Kind().String(), "cid", cid)
		return true
	}
	if !d.push(m) {
		return false
	}
	if e, ok := m.(*msg.Error); ok && d.st != nil && d.st.remoteErr == nil {
		// Seen at once, not when read: a stream's sender checks it, and
		// the opening side's body is cancelled.
		d.st.remoteErr = msg.UnpackError(e)
		d.st.failed(d.st.remoteErr)
	}
	return true
}

// push queues m for the dialog's reader. On a full mailbox it first
// reports false (wait for the next tick) when the reader took something
// since the last time; past that, stream items spill into a bounded list
// when overruns are allowed; otherwise the sender is told once, with a
// StreamOverrun error, and the item is dropped. Messages that end the
// dialog (Stop, Return, Error) are never dropped.
func (d *dialog) push(m msg.Msg) bool {
	if len(d.spill) == 0 {
		if err := d.mb.Put(m); err == nil || !errors.Is(err, sc.ErrOverrun) {
			return true
		}
		if d.taken != d.mark {
			d.mark = d.taken
			return false
		}
	}
	_, item := m.(*msg.Yield)
	if !item || d.spillOK && len(d.spill) < overrunSpill {
		d.spill = append(d.spill, m)
		return true
	}
	if !d.overrunSent {
		d.overrunSent = true
		p := d.p
		if d.st != nil {
			d.st.overrun = &msg.StreamOverrun{Cid: d.cid, Sender: p.id}
		}
		p.a.logger.Warn("actor: stream overrun: dropping items", "actor", p.a.id.String(), "sender", p.id.String(), "cid", d.cid)
		p.a.reply(p, msg.PackError(&msg.StreamOverrun{Cid: d.cid, Sender: p.id}, d.cid, p.a.id))
	}
	return true
}

// refill moves the oldest spilled item into the mailbox once a receive
// made room, so order is kept.
func (d *dialog) refill() {
	if len(d.spill) > 0 && d.mb.Put(d.spill[0]) == nil {
		d.spill[0] = nil
		d.spill = d.spill[1:]
	}
}

func (d *dialog) allowOverruns() { d.spillOK = true }

// dialog is one exchange this side opened with a peer (a call, a cancel
// request), identified by its cid.
type dialog struct {
	cid string
	p   *peer
	mb  *sc.Inbox[msg.Msg]
	st  *ctxState // set for context dialogs

	taken       int       // messages the reader received; see push
	mark        int       // taken when push last deferred; -1 before
	spill       []msg.Msg // items past the mailbox, when overruns are allowed
	spillOK     bool
	overrunSent bool
}

// openDialog opens a dialog with a fresh cid. Runner-owned.
func (p *peer) openDialog() (*dialog, error) {
	if p.down {
		return nil, p.lostErr()
	}
	d := p.newDialog(p.a.newID())
	p.dialogs[d.cid] = d
	return d, nil
}

// close forgets the dialog; later messages for it are dropped.
func (d *dialog) close() {
	if d.p.dialogs[d.cid] == d {
		delete(d.p.dialogs, d.cid)
	}
	_ = d.mb.Close(nil)
}

// newDialog returns a dialog with an empty mailbox, not yet registered.
// Runner-owned.
func (p *peer) newDialog(cid string) *dialog {
	return &dialog{cid: cid, p: p, mb: sc.NewInbox[msg.Msg](p.a.runner, dialogMailbox), mark: -1}
}

// receive returns the dialog's next message, parking the task while there
// is none. A queued message is taken without a schedule point, so a task
// cancelled while its reply is already here still gets the reply (the
// cancellation is seen at its next checkpoint); only an empty mailbox
// parks and observes cancellation. Runner-owned.
func (d *dialog) receive(ctx context.Context) (msg.Msg, error) {
	if m, ok := d.mb.TryReceive(); ok {
		return m, nil
	}
	return d.mb.Receive(ctx)
}
