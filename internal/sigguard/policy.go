package sigguard

import (
	"os"
	"sync/atomic"
)

// StopSignals returns the signals a stop policy takes: SIGINT and
// SIGTERM. The slice is the caller's.
func StopSignals() []os.Signal { return []os.Signal{os.Interrupt, SIGTERM} }

// StopPolicy returns a Handle for a claim of StopSignals that asks to stop
// gracefully first and escalates after: the first signal it is handed
// calls cancel, each later one calls escalate (cancel again when escalate
// is nil). SIGTERM counts as SIGINT does: service managers and container
// runtimes send it to ask for the graceful stop a first Ctrl-C asks for.
// cancel and escalate run as Handle does, on the guard's goroutine, and
// must return soon. StopPolicy panics on a nil cancel.
func StopPolicy(cancel, escalate func(sig os.Signal)) func(sig os.Signal) {
	if cancel == nil {
		panic("sigguard: StopPolicy: nil cancel")
	}
	var asked atomic.Bool // Handle calls never overlap; atomic keeps -race calm across guard lifetimes
	return func(sig os.Signal) {
		if !asked.Swap(true) || escalate == nil {
			cancel(sig)
			return
		}
		escalate(sig)
	}
}

// Name returns the conventional name of a guarded signal ("SIGINT",
// "SIGTERM", "SIGUSR1"), or sig's own String for others.
func Name(sig os.Signal) string {
	switch {
	case sig == nil:
		return "no signal"
	case sig == os.Interrupt:
		return "SIGINT"
	case sig == SIGTERM:
		return "SIGTERM"
	case SIGUSR1 != nil && sig == SIGUSR1:
		return "SIGUSR1"
	}
	return sig.String()
}
