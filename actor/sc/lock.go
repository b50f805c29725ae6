package sc

import (
	"context"
	"fmt"
)

// Lock is a FIFO mutual-exclusion lock for tasks (trio.Lock): waiters
// acquire in arrival order, and a release hands the lock straight to the
// first waiter. The lock knows its owner: Release by any other task fails
// and leaves the lock held. The zero value is an unlocked Lock. A Lock must
// not be copied after first use.
type Lock struct {
	owner   *Task
	waiters waitList
}

// Acquire blocks until the task holds the lock. It is a checkpoint: it
// always lets the other runnable tasks run, and returns ErrCancelled if
// cancelled before getting the lock. Acquiring a lock the task already
// holds is an error (it would deadlock).
func (l *Lock) Acquire(ctx context.Context) error {
	t, err := taskFrom(ctx, "Lock.Acquire")
	if err != nil {
		return err
	}
	if l.owner == t {
		return fmt.Errorf("sc: Lock.Acquire: %s already holds the lock", t)
	}
	if err := t.checkpointIfCancelled(); err != nil {
		return err
	}
	if l.owner == nil && l.waiters.n == 0 {
		l.owner = t
		t.cancelShieldedCheckpoint()
		return nil
	}
	return l.waiters.wait(t, waitLock)
}

// TryAcquire takes the lock if it is free, without blocking, and reports
// whether it did.
func (l *Lock) TryAcquire(ctx context.Context) (bool, error) {
	t, err := taskFrom(ctx, "Lock.TryAcquire")
	if err != nil {
		return false, err
	}
	if l.owner == nil && l.waiters.n == 0 {
		l.owner = t
		return true, nil
	}
	return false, nil
}

// Release releases the lock held by the task of ctx, handing it to the
// first waiter. It does not block. Like the blocking calls, it must be
// called with the ctx of the running task (else ErrNotInTask). If the caller is not the owner it
// returns an error matching ErrNotOwner naming both, and the lock stays
// held.
func (l *Lock) Release(ctx context.Context) error {
	t, err := taskFrom(ctx, "Lock.Release")
	if err != nil {
		return err
	}
	if l.owner != t {
		if l.owner == nil {
			return fmt.Errorf("sc: Lock.Release by %s: lock is not held: %w", t, ErrNotOwner)
		}
		return fmt.Errorf("sc: Lock.Release by %s: held by %s: %w", t, l.owner, ErrNotOwner)
	}
	l.owner = l.waiters.pop()
	if l.owner != nil {
		l.owner.r.reschedule(l.owner, nil)
	}
	return nil
}

// Locked reports whether some task holds the lock.
func (l *Lock) Locked() bool { return l.owner != nil }

// Owner returns the task holding the lock, or nil.
func (l *Lock) Owner() *Task { return l.owner }
