package bridge

import "time"

// SetTickClock replaces the clock guest ticks measure their slice on,
// until restore is called. Tests only; not safe while a guest runs.
func SetTickClock(now func() time.Duration) (restore func()) {
	old := tickClock
	tickClock = now
	return func() { tickClock = old }
}
