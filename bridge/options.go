package bridge

import (
	"log/slog"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// Option configures a guest run.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	log       *slog.Logger
	scOpts    []sc.Option
	sigint    bool
	pumpDelay time.Duration
	locked    bool
}

func defaultConfig() config { return config{sigint: true} }

func newConfig(opts []Option) config {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	if cfg.log == nil {
		cfg.log = slog.Default()
	}
	return cfg
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
// On, a SIGINT that arrives while nobody owns SIGINT (loop.Run's policy,
// the actor runtime and the debugger each own it while they run) reaches
// the guest's main task as sc.ErrInterrupted at its next checkpoint. A
// foreign host that handles SIGINT itself turns this off.
func WithSIGINT(on bool) Option { return optionFunc(func(c *config) { c.sigint = on }) }

// WithPumpDelay sets how long RunGuest sleeps between host-loop turns
// while it waits for a guest it asked to cancel (default 0: every turn).
func WithPumpDelay(d time.Duration) Option { return optionFunc(func(c *config) { c.pumpDelay = d }) }

// WithHostThreadLocked says that the host's goroutine runs locked to its
// OS thread (runtime.LockOSThread), as UI loops do. Guest tasks then run
// on that thread, and their coroutines can be switched nowhere else; so if
// such a host stops before the run finished and the bridge finds out off
// the host (the host offers no close hook), the abandoned tasks are left
// parked instead of being unwound, and the log says so. Without the option
// they are unwound on the goroutine that found out, which would be fatal
// for coroutines made on a locked thread.
func WithHostThreadLocked() Option { return optionFunc(func(c *config) { c.locked = true }) }
