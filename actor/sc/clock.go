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
// only by Advance, or, with autojump on, whenever every task of the runner
// is blocked and a deadline is pending: the runner then jumps the clock
// straight to that deadline, so sleeping tests cost no wall time. As in
// trio, only tasks count: work running in a ToGoroutine goroutine does not
// hold the clock back. A MockClock is safe from any goroutine. Use one
// clock per run.
type MockClock struct {
	mu       sync.Mutex
	now      time.Time            // guarded by mu
	autojump bool                 // guarded by mu
	wakers   map[*Runner]struct{} // guarded by mu
}

// mockEpoch is where mock clocks start: a fixed instant, so tests that print
// times are stable.
var mockEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// NewMockClock returns a virtual clock at a fixed starting instant
// (2000-01-01 UTC), with autojump on or off.
func NewMockClock(autojump bool) *MockClock {
	return &MockClock{now: mockEpoch, autojump: autojump}
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
	c.mu.Lock()
	c.now = c.now.Add(d)
	ws := make([]*Runner, 0, len(c.wakers))
	for r := range c.wakers {
		ws = append(ws, r)
	}
	c.mu.Unlock()
	for _, r := range ws {
		r.Wake()
	}
}

// SetAutojump turns autojump on or off; it wakes runners using the clock.
func (c *MockClock) SetAutojump(on bool) {
	c.mu.Lock()
	c.autojump = on
	ws := make([]*Runner, 0, len(c.wakers))
	for r := range c.wakers {
		ws = append(ws, r)
	}
	c.mu.Unlock()
	for _, r := range ws {
		r.Wake()
	}
}

// jumpTo moves the clock to t if t is later and autojump is on; it reports
// whether autojump is on.
func (c *MockClock) jumpTo(t time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.autojump {
		return false
	}
	if t.After(c.now) {
		c.now = t
	}
	return true
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
