package bridge

import (
	"context"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/loop"
)

// spinYields is how many times a bridge wait yields to the host loop (a
// guest checkpoint or a host Yield: one loop turn either way) before it
// parks. A peer on the other side that answers within a turn or two, the
// common case, is then seen without parking: a guest that goes idle costs
// a hand-off to its waiter goroutine and back, and a host task that parks
// costs a future. A peer that takes longer costs at most this many extra
// turns before the wait parks for real.
var spinYields = 3

// spin is the state of one bridge wait: every wait that crosses between a
// guest task and a host task ("spin a few turns, then park") goes through
// it, so the policy lives here only. The caller loops, checking its own
// condition before each call.
type spin struct{ n int }

// guestSpin is one spinning round of a guest task's wait on the host side
// of guest run g, while the spin budget lasts: a checkpoint, whose error it
// returns, with ok true; once the budget is spent it does nothing and
// returns ok false, and the caller parks. A spinning checkpoint also ends
// g's current tick after this batch: the host side has to run for the wait
// to end, so the tick hands the host its turn rather than running on for
// its slice.
func (s *spin) guestSpin(ctx context.Context, g *Guest) (ok bool, err error) {
	if s.n >= spinYields {
		return false, nil
	}
	s.n++
	g.hostTurn = true
	return true, sc.Checkpoint(ctx)
}

// guest is one round of a guest task's wait: guestSpin while the budget
// lasts, then park (which returns when woken).
func (s *spin) guest(ctx context.Context, g *Guest, park func(context.Context) error) error {
	if ok, err := s.guestSpin(ctx, g); ok {
		return err
	}
	return park(ctx)
}

// host is one round of a host task's wait: a loop Yield while the spin
// budget lasts, then park (which returns when woken).
func (s *spin) host(ctx context.Context, park func() error) error {
	if s.n < spinYields {
		s.n++
		return loop.Yield(ctx)
	}
	return park()
}
