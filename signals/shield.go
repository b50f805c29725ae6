package signals

import (
	"context"
	"os"

	"github.com/hitchrt/hitch/internal/sigguard"
)

// ShieldSIGINT keeps SIGINT from every owner until release is called: a
// SIGINT that arrives meanwhile is only logged at LevelPDB ("ignored"),
// then redraw runs, so that a REPL can re-print the prompt the ^C
// disturbed. It is the debugger's hook: a REPL in use here shields, as
// does the root actor while a child holds the debug lock. SIGTERM is not
// shielded.
//
// ShieldSIGINT does not block. Shields nest like owners: the newest
// shield gets the SIGINT. redraw may be nil; it runs on the signal guard's
// goroutine (see the package doc): it must return soon and must not call
// release.
//
// release takes the shield down: SIGINT goes to whoever owns it then (the
// actor runtime if it still runs, loop.Run, a guest's fallback), or has
// its default action when nobody does. It is idempotent and safe from any
// goroutine; once it returns, redraw is not running and will not be
// called again.
func ShieldSIGINT(who string, redraw func(), opts ...Option) (release func()) {
	c := newConfig(opts)
	return sigguard.Own(sigguard.Claim{
		Who:     who,
		Level:   sigguard.LevelShield,
		Signals: []os.Signal{os.Interrupt},
		Handle: func(os.Signal) {
			c.log.Log(context.Background(), LevelPDB, "signals: SIGINT ignored while shielded", "by", who)
			if redraw != nil {
				redraw()
			}
		},
	})
}
