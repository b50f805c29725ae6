package actor

import (
	"errors"
	"sync"

	"github.com/hitchrt/hitch/signals"
)

// procSet is the pids of this actor's live sub-actor processes. The
// SIGUSR1 dumper reads it from its own goroutine to relay the signal down
// the tree, so it is guarded by a mutex rather than owned by the runner.
type procSet struct {
	mu   sync.Mutex
	pids map[int]struct{} // guarded by mu
}

func (s *procSet) add(pid int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pids == nil {
		s.pids = map[int]struct{}{}
	}
	s.pids[pid] = struct{}{}
}

func (s *procSet) remove(pid int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pids, pid)
}

// list returns the pids; it is the dumper's relay hook.
func (s *procSet) list() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int, 0, len(s.pids))
	for pid := range s.pids {
		out = append(out, pid)
	}
	return out
}

// dumpOnSIGUSR1 makes SIGUSR1 dump this actor's task tree and goroutines
// (ending with its end-of-actor footer), then relay the signal to each
// live sub-actor, so a tree dumps parent first. It returns the release;
// where the system has no SIGUSR1 it does nothing.
func (a *Actor) dumpOnSIGUSR1() (release func()) {
	opts := []signals.DumpOption{signals.WithRelay(a.procs.list), signals.WithLogger(a.logger)}
	if a.cfg.dumpOutput != nil {
		opts = append(opts, signals.WithOutput(a.cfg.dumpOutput))
	}
	release, err := signals.DumpOnSIGUSR1(a.id.Name, a.tok, opts...)
	if err != nil {
		if !errors.Is(err, errors.ErrUnsupported) {
			a.logger.Warn("actor: no SIGUSR1 dumps", "actor", a.id.String(), "err", err)
		}
		return func() {}
	}
	return release
}
