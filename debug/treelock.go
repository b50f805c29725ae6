package debug

import (
	"context"
	"errors"
	"fmt"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/signals"
)

// The tree's terminal is the root's lock. A sub-actor asks its parent for
// it over a context of the lock endpoint, whose payloads are the dialog's
// own spec:
//
//	requester                               serving actor (the parent)
//	Open(lockRequest{who}) ───────────────▶ refuse a blocked actor (RefusedError)
//	                                        take this actor's lock for who (FIFO;
//	                                        a sub-actor asks its own parent in turn)
//	  ◀──────────────── Started(lockStatus{Locked: true})
//	the REPL runs
//	stream: lockRelease{Quit} ────────────▶ give the lock back; a quit blocks who
//	  ◀──────────────── Return(lockStatus{Locked: false})
//
// While it holds the lock for a child, the serving actor shields SIGINT
// and waits for the release shielded from its own cancellation: only the
// release, or the loss of the child's connection (a child that died
// holding it), gives the lock back. Its kill ladder waits while the child
// has a request here.
type (
	lockRequest struct {
		Actor     string
		UID       string
		Task      string
		Goroutine bool
		Why       string
	}
	lockStatus  struct{ Locked bool }
	lockRelease struct{ Quit bool }
)

var lockEndpoint = actor.ContextFunc("hitch.debug.lock", serveLock)

func requestOf(who Holder) lockRequest {
	return lockRequest(who)
}

func (r lockRequest) holder() Holder {
	return Holder(r)
}

// serveLock is the lock endpoint: it takes this actor's lock on behalf of
// the requesting child (or a descendant of it) and holds it until the
// child gives it back or is gone.
func serveLock(ctx context.Context, c *actor.Context[lockStatus, lockRelease], req lockRequest) (lockStatus, error) {
	st, err := serveLockFor(ctx, c, req)
	if err != nil {
		err = &serviceError{err}
	}
	return st, err
}

// serviceError is the lock endpoint's error: it travels as the error it
// wraps, and is no crash of the serving actor's (no post-mortem for it in
// debug mode: the requester reports it).
type serviceError struct{ err error }

func (e *serviceError) Error() string         { return e.err.Error() }
func (e *serviceError) Unwrap() error         { return e.err }
func (e *serviceError) ErrorTypeName() string { return msg.ErrorTypeName(e.err) }

func serveLockFor(ctx context.Context, c *actor.Context[lockStatus, lockRelease], req lockRequest) (lockStatus, error) {
	ts := treeOf(ctx)
	info, _ := infoKey.Value(ctx)
	if ts == nil || info == nil {
		return lockStatus{}, errors.New("debug: no debugger is attached to this actor")
	}
	who := req.holder()
	if ts.blocked[who.UID] {
		return lockStatus{}, &RefusedError{Message: fmt.Sprintf("debug: actor %s quit from its REPL; it may not take the terminal again", who.Actor)}
	}
	peer := c.Peer()
	defer ts.track(peer.UID)()
	drop := addPending(who)
	release, err := info.lock.Acquire(ctx, who)
	drop()
	if err != nil {
		return lockStatus{}, err
	}
	ts.holder, ts.holderWho = peer, who
	unshield := signals.ShieldSIGINT("debug: "+who.String()+" holds the terminal", nil, signals.WithLogger(ts.a.Logger()))
	var quit bool
	herr := shielded(ctx, func(ctx context.Context) error {
		if err := c.Started(ctx, lockStatus{Locked: true}); err != nil {
			return err
		}
		s, err := c.OpenStream(ctx, false)
		if err != nil {
			return err
		}
		rel, err := s.Receive(ctx)
		quit = rel.Quit
		return err
	})
	unshield()
	ts.holder, ts.holderWho = actor.ActorID{}, Holder{}
	rerr := release(ctx, quit)
	if quit && ts.root {
		ts.blocked[who.UID] = true
	}
	if herr != nil {
		// Nobody is left to tell: the holder died or its connection did.
		ts.a.Logger().Log(ctx, signals.LevelPDB, "debug: the terminal's holder is gone; lock released", "actor", ts.a.ID().String(), "holder", who.String(), "via", peer.String(), "err", herr)
		return lockStatus{}, rerr
	}
	return lockStatus{}, rerr
}

// track counts a request of the child uid until the returned func runs.
func (ts *treeState) track(uid string) (done func()) {
	r := ts.requests[uid]
	if r == nil {
		r = &childRequests{idle: new(sc.Event)}
		ts.requests[uid] = r
	}
	r.n++
	return func() {
		if r.n--; r.n == 0 {
			r.idle.Set()
			delete(ts.requests, uid)
		}
	}
}

func shielded(ctx context.Context, fn func(ctx context.Context) error) error {
	return sc.OpenCancelScope(ctx, func(ctx context.Context, cs *sc.CancelScope) error {
		cs.SetShield(true)
		return fn(ctx)
	})
}

// remoteLock is a sub-actor's StdioLock: each Acquire asks the parent for
// the tree's terminal through a request task of its own (the context must
// stay open while the lock is held, past Acquire's return).
type remoteLock struct{ ts *treeState }

// Busy reports true: a sub-actor cannot tell whether the root's lock is
// free, and a task step cannot wait for the root's answer, so
// PauseFromSync from a task step of a sub-actor fails with ErrBusy.
func (l *remoteLock) Busy() bool { return true }

// lockRequestTask is one request to the parent. Runner-owned.
type lockRequestTask struct {
	parent    *actor.Portal
	req       lockRequest
	cs        sc.CancelScope
	locked    sc.Event // set once granted, or once the request has failed
	releaseEv sc.Event // set by the release (or an abandoned grant)
	done      sc.Event // set when the dialog is over
	granted   bool
	abandoned bool // Acquire was cancelled before the grant
	quit      bool
	err       error
}

func (l *remoteLock) Acquire(ctx context.Context, who Holder) (func(context.Context, bool) error, error) {
	parent := l.ts.a.Parent()
	if parent == nil {
		return nil, errors.New("debug: the sub-actor has no parent to ask for the terminal")
	}
	t := sc.CurrentTask(ctx)
	if t == nil {
		return nil, fmt.Errorf("debug: asking for the terminal: %w", sc.ErrNotInTask)
	}
	r := &lockRequestTask{parent: parent, req: requestOf(who)}
	// A Ctrl-C while this actor waits for the terminal or holds it is the
	// root's to decide.
	unshield := signals.ShieldSIGINT("debug: waiting for the terminal", nil, signals.WithLogger(l.ts.a.Logger()))
	if err := t.Runner().StartSystemTask("debug lock request", r.run); err != nil {
		unshield()
		return nil, fmt.Errorf("debug: asking for the terminal: %w", err)
	}
	if err := r.locked.Wait(ctx); err != nil {
		// Cancelled while waiting: withdraw the request, or give back a
		// grant that came in the meantime.
		if r.granted {
			r.releaseEv.Set()
		} else {
			r.abandoned = true
			r.cs.Cancel()
		}
		_ = shielded(ctx, r.done.Wait)
		unshield()
		return nil, err
	}
	if !r.granted {
		unshield()
		return nil, requestError(parent, r.err)
	}
	return func(ctx context.Context, quit bool) error {
		r.quit = quit
		r.releaseEv.Set()
		_ = shielded(ctx, r.done.Wait)
		unshield()
		if r.err != nil {
			return fmt.Errorf("debug: giving the terminal back to %v: %w", parent.Peer(), r.err)
		}
		return nil
	}, nil
}

// run is the request task: it holds the lock dialog open from the request
// to the release. It never fails (a system task's error would fail the
// run); the outcome is r.err.
func (r *lockRequestTask) run(ctx context.Context) error {
	defer r.done.Set()
	defer r.locked.Set()
	_ = r.cs.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
		_, r.err = lockEndpoint.Open(ctx, r.parent, r.req, func(ctx context.Context, c *actor.Context[lockStatus, lockRelease], st lockStatus) error {
			if !st.Locked {
				return fmt.Errorf("debug: %v answered the lock request without the lock", r.parent.Peer())
			}
			r.granted = true
			if !r.abandoned {
				r.locked.Set()
				if err := r.releaseEv.Wait(ctx); err != nil {
					return err // the dialog failed: the lock is gone with it
				}
			}
			s, err := c.OpenStream(ctx, false)
			if err != nil {
				return err
			}
			return s.Send(ctx, lockRelease{Quit: r.quit})
		})
		return nil
	})
	return nil
}

// requestError says why a lock request failed, naming a lost connection
// and a refusal plainly.
func requestError(parent *actor.Portal, err error) error {
	return &lockError{requestCause(parent, err)}
}

// lockError is a lock request that failed: there is no terminal to open a
// post-mortem REPL on for it.
type lockError struct{ err error }

func (e *lockError) Error() string { return e.err.Error() }
func (e *lockError) Unwrap() error { return e.err }

func requestCause(parent *actor.Portal, err error) error {
	var refused *RefusedError
	switch {
	case errors.As(err, &refused):
		return fmt.Errorf("debug: %v refused the terminal: %w", parent.Peer(), refused)
	case parent.Lost() != nil:
		return fmt.Errorf("debug: lost the connection to %v while waiting for the terminal (the lock is the root's): %w", parent.Peer(), err)
	case err == nil:
		return fmt.Errorf("debug: %v ended the lock request without an answer", parent.Peer())
	default:
		return fmt.Errorf("debug: asking %v for the terminal: %w", parent.Peer(), err)
	}
}
