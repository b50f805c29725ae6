package signals

import (
	"os"

	"github.com/hitchrt/hitch/internal/sigguard"
)

// Own makes name the owner of SIGINT and SIGTERM, the stop signals, until
// release is called: the first stop signal it is handed calls cancel,
// each later one calls escalate (or cancel again when escalate is nil).
// This is the hook of the actor runtime (cancel: cancel the actor tree
// gracefully; escalate: stop waiting for it) and of any program that
// stops on its own terms; loop.Run owns the signals the same way.
//
// Own does not block. Owners nest: a newer owner takes the signals until
// it leaves, a SIGINT shield (ShieldSIGINT) takes SIGINT from any owner
// while it is up, and a stop signal goes to the owner of the moment it is
// dispatched. cancel and escalate run on the signal guard's goroutine (see
// the package doc): they must return soon and must not call release.
//
// release gives the signals back to the owner below, or to their default
// action when there is none. It is idempotent and safe from any
// goroutine; once it returns, cancel and escalate are not running and
// will not be called again. Own panics on a nil cancel.
func Own(name string, cancel, escalate func(sig os.Signal), opts ...Option) (release func()) {
	if cancel == nil {
		panic("signals: Own: nil cancel")
	}
	c := newConfig(opts)
	return sigguard.Own(sigguard.Claim{
		Who:     name,
		Level:   sigguard.LevelOwner,
		Signals: sigguard.StopSignals(),
		Handle: sigguard.StopPolicy(func(sig os.Signal) {
			c.log.Info("signals: "+sigguard.Name(sig)+": stopping gracefully", "owner", name)
			cancel(sig)
		}, func(sig os.Signal) {
			c.log.Warn("signals: "+sigguard.Name(sig)+" again: stopping now", "owner", name)
			if escalate != nil {
				escalate(sig)
			} else {
				cancel(sig)
			}
		}),
	})
}
