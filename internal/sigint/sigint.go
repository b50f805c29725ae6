// Package sigint records which part of the process owns SIGINT, so that
// the parts that would otherwise all react to Ctrl-C agree on one. The
// owner (loop.Run's policy, the actor runtime, a live debugger REPL)
// decides what a SIGINT means; a guest run's fallback handler stands
// aside while anybody owns it.
package sigint

import "sync"

var (
	mu     sync.Mutex
	owners []*claim
)

type claim struct{ who string }

// Own claims SIGINT for who until release is called. Claims nest: the
// newest one is the owner. release is idempotent and may run in any order.
func Own(who string) (release func()) {
	c := &claim{who: who}
	mu.Lock()
	owners = append(owners, c)
	mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			mu.Lock()
			defer mu.Unlock()
			for i, o := range owners {
				if o == c {
					owners = append(owners[:i], owners[i+1:]...)
					return
				}
			}
		})
	}
}

// Owner returns who owns SIGINT now, or "" when nobody does.
func Owner() string {
	mu.Lock()
	defer mu.Unlock()
	if len(owners) == 0 {
		return ""
	}
	return owners[len(owners)-1].who
}
