package sc

import (
	"context"
	"errors"
	"fmt"

	"github.com/hitchrt/hitch/internal/ilist"
	"github.com/hitchrt/hitch/internal/panics"
)

// Nursery is a scope that owns child tasks (trio's nursery): OpenNursery
// returns only after its body and every child have returned. The first
// error (from the body or a child) cancels the nursery's scope, so the
// other children see ErrCancelled at their next checkpoint; all errors are
// returned together as a *NurseryError.
//
// A zero Nursery is unusable: OpenNursery makes one and passes it to the
// body. Its methods are for code of the same runner (a task step, or host
// code between ticks); a Nursery may be handed to child tasks so they
// start siblings.
type Nursery struct {
	r       *Runner
	owner   *Task // task waiting in OpenNursery; nil for the system nursery
	scope   *CancelScope
	ctx     context.Context  // the ctx children inherit values from
	tasks   ilist.Set[*Task] // live children
	errs    []error
	waiting bool // owner parked until tasks is empty
	closed  bool
}

// OpenNursery runs body with a new nursery, then waits (not cancellable:
// the children see the cancellation instead) until every child has
// returned. It returns nil when everything succeeded, else a *NurseryError
// with every error; cancellations caused by the nursery's own scope are
// absorbed. ctx must belong to the running task.
func OpenNursery(ctx context.Context, body func(ctx context.Context, n *Nursery) error) error {
	t, err := taskFrom(ctx, "OpenNursery")
	if err != nil {
		return err
	}
	if body == nil {
		return errors.New("sc: OpenNursery: nil body")
	}
	s := &CancelScope{}
	nctx := s.enter(t, ctx)
	n := &Nursery{r: t.r, owner: t, scope: s, ctx: nctx}
	s.nursery = n
	if berr := callBody(t, nctx, n, body); berr != nil {
		n.addErr(berr)
	}
	if t.scope != s {
		n.addErr(t.unwindTo(s))
	}
	n.wait(t)
	return s.exit(t, n.result())
}

func callBody(t *Task, ctx context.Context, n *Nursery, body func(context.Context, *Nursery) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = capturePanic(v, t)
		}
	}()
	return body(ctx, n)
}

func capturePanic(v any, t *Task) error {
	return panics.Capture(v, "task "+t.name)
}

// wait parks the owner until no child is left.
func (n *Nursery) wait(t *Task) {
	for n.tasks.Len() > 0 {
		n.waiting = true
		t.waitData = n
		err := t.park(waitNursery)
		n.waiting = false
		if err == ErrRunFinished {
			break // the run was abandoned: no child will ever finish
		}
	}
	n.closed = true
}

// abortNurseryWait: a cancellation needs no action (the children are inside
// the cancelled scope and see it); an interrupt is recorded as an error of
// the nursery, which cancels the children.
func abortNurseryWait(t *Task, err error) abortResult {
	if !errors.Is(err, ErrInterrupted) {
		return abortFail
	}
	n := t.waitData.(*Nursery)
	n.addErr(err)
	return abortAbsorbed
}

// addErr records err; any error but a cancellation cancels the nursery (a
// cancellation means the children are inside a cancelled scope already).
func (n *Nursery) addErr(err error) {
	n.errs = append(n.errs, err)
	if !onlyCancelled(err) {
		n.scope.CancelWithCause(err)
	}
}

// result is nil, one plain ErrCancelled when every error was a
// cancellation (so the scope that caused it absorbs it), or a
// *NurseryError.
func (n *Nursery) result() error {
	if len(n.errs) == 0 {
		return nil
	}
	err := &NurseryError{Errs: n.errs}
	if onlyCancelled(err) {
		return ErrCancelled
	}
	return err
}

// CancelScope returns the nursery's cancel scope: cancelling it cancels the
// body and every child.
func (n *Nursery) CancelScope() *CancelScope { return n.scope }

// StartSoon starts fn as a child task named name; it runs from the next
// tick on. It returns ErrNurseryClosed once the nursery has closed, and an
// error for a nil fn. Call it from a task of the same runner or from host
// code between ticks.
func (n *Nursery) StartSoon(name string, fn func(ctx context.Context) error) error {
	if fn == nil {
		return fmt.Errorf("sc: StartSoon %q: nil function", name)
	}
	if n == nil || n.r == nil {
		return errors.New("sc: StartSoon: nil or zero Nursery (OpenNursery makes one)")
	}
	if n.closed {
		return fmt.Errorf("sc: StartSoon %q: %w", name, ErrNurseryClosed)
	}
	if n.r.finished {
		return ErrRunFinished
	}
	n.spawn(name, fn)
	return nil
}

func (n *Nursery) spawn(name string, fn func(ctx context.Context) error) *Task {
	t := n.r.newTask(name, fn, n.ctx, n.scope)
	n.tasks.Add(t, &t.nidx)
	n.r.reschedule(t, nil)
	return t
}

// detach removes t from n's live children, waking the owner when n is empty.
func (n *Nursery) detach(t *Task) {
	n.tasks.Remove(t, taskNurseryPos)
	if n.tasks.Len() == 0 && n.waiting && n.owner != nil {
		n.waiting = false
		n.r.reschedule(n.owner, nil)
	}
}

// childDone records a finished child.
func (n *Nursery) childDone(t *Task, err error) {
	n.detach(t)
	if err != nil {
		n.addErr(err)
	}
}

// Start starts fn as a child task of n and waits until fn calls started
// (trio's nursery.start): it then returns the value passed to started while
// the task keeps running in n. Until started, the task runs under the
// caller: the caller's cancellation cancels it, and an error it returns
// comes back from Start. A task that returns nil without calling started
// is an error too. Calls of started after the first are ignored.
func Start[T any](ctx context.Context, n *Nursery, name string, fn func(ctx context.Context, started func(T)) error) (T, error) {
	var zero T
	if fn == nil {
		return zero, fmt.Errorf("sc: Start %q: nil function", name)
	}
	if n == nil || n.r == nil {
		return zero, errors.New("sc: Start: nil or zero Nursery (OpenNursery makes one)")
	}
	if n.closed {
		return zero, fmt.Errorf("sc: Start %q: %w", name, ErrNurseryClosed)
	}
	var (
		val   T
		moved bool
		child *Task
	)
	err := OpenNursery(ctx, func(_ context.Context, tmp *Nursery) error {
		child = tmp.spawn(name, func(cctx context.Context) error {
			return fn(cctx, func(v T) {
				if moved || n.closed {
					return
				}
				moved = true
				val = v
				tmp.moveTo(child, n)
			})
		})
		return nil
	})
	if moved {
		return val, err
	}
	if err == nil {
		return zero, fmt.Errorf("sc: Start: task %q returned without calling started", name)
	}
	if ne, ok := err.(*NurseryError); ok && len(ne.Errs) == 1 {
		return zero, ne.Errs[0]
	}
	return zero, err
}

// moveTo re-parents child t from nursery n to nursery to.
func (n *Nursery) moveTo(t *Task, to *Nursery) {
	n.detach(t)
	to.tasks.Add(t, &t.nidx)
	old := n.scope
	t.base = to.scope
	t.ctx.scope.Store(to.scope)
	if t.scope == old {
		t.setScope(to.scope)
		return
	}
	s := t.scope
	for s.parent != old {
		s = s.parent
	}
	old.children.Remove(s, scopeChildPos)
	s.parent = to.scope
	to.scope.children.Add(s, &s.cidx)
	s.refresh()
	s.refreshDeadline()
}
