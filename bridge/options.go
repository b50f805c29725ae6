package bridge

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// Option configures a guest run.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	log    *slog.Logger
	scOpts []sc.Option
	sigint bool
	locked bool
	slice  time.Duration
	bad    error // the first invalid option value
}

// DefaultTickSlice is how long one guest tick may run batches of task
// steps back to back before it hands the host its turn (see WithTickSlice).
const DefaultTickSlice = time.Millisecond

// newConfig is where a guest run's defaults live. op names the function
// taking the options, for errors.
func newConfig(op string, opts []Option) (config, error) {
	cfg := config{sigint: true, slice: DefaultTickSlice}
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	if cfg.bad != nil {
		return cfg, fmt.Errorf("bridge: %s: %w", op, cfg.bad)
	}
	if cfg.log == nil {
		cfg.log = slog.Default()
	}
	return cfg, nil
}

// invalid records the first invalid option value.
func (c *config) invalid(format string, args ...any) {
	if c.bad == nil {
		c.bad = fmt.Errorf(format, args...)
	}
}

// WithLogger sets the logger for the run's own reports (abandonment,
// signals). The default is slog.Default().
func WithLogger(l *slog.Logger) Option { return optionFunc(func(c *config) { c.log = l }) }

// WithRunnerOptions passes options to the guest's sc runner (a clock, the
// main task's name).
func WithRunnerOptions(opts ...sc.Option) Option {
	return optionFunc(func(c *config) { c.scOpts = append(c.scOpts, opts...) })
}

// WithSIGINT turns the guest's SIGINT fallback on (the default) or off.
// On, the run claims SIGINT on the process's signal guard at the lowest
// level, from its start to its end: a SIGINT that nobody else takes
// (loop.Run's policy, the actor runtime, a loop's signal handler and a
// debugger's shield all rank above the fallback) reaches the guest's main
// task as sc.ErrInterrupted at its next checkpoint. SIGTERM is not part of
// the fallback. A foreign host that handles SIGINT itself turns this off.
func WithSIGINT(on bool) Option { return optionFunc(func(c *config) { c.sigint = on }) }

// WithTickSlice bounds how long one guest tick holds the host: a tick runs
// a batch of the guest's runnable task steps, and then further batches while
// tasks remain runnable, until d has passed; then it queues the next tick
// behind the host's own callbacks. So the host runs its callbacks at least
// every d plus two batches (the first, before the tick starts its clock,
// and the one that crosses d; a batch is one step of each task runnable
// at its start),
// while a guest with few busy tasks does not pay a host round trip per
// batch. 0 means one batch per tick. The default is DefaultTickSlice; a
// negative d is an error of StartGuestRun and RunGuest naming the option.
func WithTickSlice(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < 0 {
			c.invalid("WithTickSlice(%v): the slice must not be negative", d)
			return
		}
		c.slice = d
	})
}

// WithHostThreadLocked says that the host's goroutine runs locked to its
// OS thread (runtime.LockOSThread), as UI loops do. Guest tasks then run
// on that thread, and their coroutines can be switched nowhere else; so if
// such a host stops before the run finished and the bridge finds out off
// the host (the host offers no close hook), the abandoned tasks are left
// parked instead of being unwound, and the log says so. Without the option
// they are unwound on the goroutine that found out, which would be fatal
// for coroutines made on a locked thread.
func WithHostThreadLocked() Option { return optionFunc(func(c *config) { c.locked = true }) }
