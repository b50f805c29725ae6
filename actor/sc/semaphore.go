package sc

import (
	"context"
	"errors"
)

// Semaphore is a FIFO counting semaphore (trio.Semaphore). The zero value
// has no tokens; NewSemaphore sets the initial count. Methods are for code
// of the same runner. A Semaphore must not be copied after first use.
type Semaphore struct {
	value   int
	waiters waitList
}

// NewSemaphore returns a semaphore holding n tokens (n < 0 counts as 0).
func NewSemaphore(n int) *Semaphore { return &Semaphore{value: max(n, 0)} }

// Value returns the number of free tokens.
func (s *Semaphore) Value() int { return s.value }

// Acquire takes one token, blocking in FIFO order while none is free. It is
// a checkpoint: it always lets the other runnable tasks run, and returns
// ErrCancelled if cancelled first.
func (s *Semaphore) Acquire(ctx context.Context) error {
	t, err := taskFrom(ctx, "Semaphore.Acquire")
	if err != nil {
		return err
	}
	if err := t.checkpointIfCancelled(); err != nil {
		return err
	}
	if s.value > 0 && s.waiters.n == 0 {
		s.value--
		t.cancelShieldedCheckpoint()
		return nil
	}
	return s.waiters.wait(t, waitSemaphore)
}

// Release returns one token, handing it to the first waiter. It does not
// block and may be called by any task or host code between ticks.
func (s *Semaphore) Release() {
	if w := s.waiters.pop(); w != nil {
		w.r.reschedule(w, nil)
		return
	}
	s.value++
}

// errNilChannel is returned by operations on zero channel ends.
var errNilChannel = errors.New("sc: channel end not made by NewChannel")
