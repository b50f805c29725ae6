package sc

import (
	"sync"
	"time"
)

// Clock is the runner's source of time: deadlines, Sleep and Now read it.
// The default is the wall clock. Now must be safe from any goroutine.
type Clock interface {
	Now() time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// MockClock is a virtual clock for tests (trio's MockClock). Its time moves
// only by Advance, or, with autojump on, once every task of the runner has
// been blocked for the autojump threshold of real time while a deadline is
// pending: the runner then jumps the clock straight to that deadline, so
// sleeping tests cost no wall time. The threshold is 0 by default (jump at
// once); a larger one gives goroutines outside the run time to act first.
// As in trio, only tasks count: work running in a ToGoroutine goroutine
// does not hold the clock back. A WaitAllTasksBlocked whose cushion is
// shorter than the threshold wakes before the clock jumps. A MockClock is
// safe from any goroutine. Use one clock per run.
type MockClock struct {
	mu        sync.Mutex
	now       time.Time            // guarded by mu
	threshold time.Duration        // guarded by mu; negative: autojump off
	wakers    map[*Runner]struct{} // guarded by mu
}

// mockEpoch is where mock clocks start: a fixed instant, so tests that print
// times are stable.
var mockEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// NewMockClock returns a virtual clock at a fixed starting instant
// (2000-01-01 UTC), with autojump on (threshold 0) or off.
func NewMockClock(autojump bool) *MockClock {
	c := &MockClock{now: mockEpoch, threshold: -1}
	if autojump {
		c.threshold = 0
	}
	return c
}

// Now returns the virtual time.
func (c *MockClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the virtual time forward by d (a negative d is ignored) and
// wakes runners using the clock so they expire deadlines.
func (c *MockClock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.update(func() { c.now = c.now.Add(d) })
}

// update applies change under the lock, then wakes the runners using the
// clock, once the lock is released.
func (c *MockClock) update(change func()) {
	c.mu.Lock()
	change()
	ws := make([]*Runner, 0, len(c.wakers))
	for r := range c.wakers {
		ws = append(ws, r)
	}
	c.mu.Unlock()
	for _, r := range ws {
		r.Wake()
	}
}

// SetAutojump turns autojump on (threshold 0: jump as soon as every task
// is blocked) or off. It is SetAutojumpThreshold(0) or (-1).
func (c *MockClock) SetAutojump(on bool) {
	if on {
		c.SetAutojumpThreshold(0)
	} else {
		c.SetAutojumpThreshold(-1)
	}
}

// SetAutojumpThreshold sets how long every task must have been blocked, in
// real time, before the clock jumps to the next deadline (trio's
// autojump_threshold); a negative d turns autojump off. It may be changed
// while a run uses the clock: it wakes those runners, and the new
// threshold counts from then.
func (c *MockClock) SetAutojumpThreshold(d time.Duration) {
	c.update(func() { c.threshold = max(d, -1) })
}

// AutojumpThreshold returns the autojump threshold; negative means off.
func (c *MockClock) AutojumpThreshold() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.threshold
}

// jumpTo moves the clock to t if t is later.
func (c *MockClock) jumpTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}

func (c *MockClock) register(r *Runner) {
	c.mu.Lock()
	if c.wakers == nil {
		c.wakers = make(map[*Runner]struct{})
	}
	c.wakers[r] = struct{}{}
	c.mu.Unlock()
}

func (c *MockClock) unregister(r *Runner) {
	c.mu.Lock()
	delete(c.wakers, r)
	c.mu.Unlock()
}
