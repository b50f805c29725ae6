package signals

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"
)

// Option configures Own, ShieldSIGINT and DumpOnSIGUSR1.
type Option interface {
	DumpOption
	apply(*config)
}

// DumpOption configures DumpOnSIGUSR1. Every Option is a DumpOption; the
// options only a dumper can honour (WithOutput, WithRelay,
// WithSnapshotBound) are DumpOptions alone, so Own and ShieldSIGINT do not
// take them.
type DumpOption interface{ applyDump(*dumpConfig) }

type config struct {
	log *slog.Logger
}

type dumpConfig struct {
	config
	out   io.Writer
	relay func() []int
	bound time.Duration
	bad   error // the first invalid option value
}

// DefaultSnapshotBound is how long a dump waits for the runner's task tree
// before it dumps the goroutine stacks without it.
const DefaultSnapshotBound = time.Second

// newConfig is where the defaults of Own and ShieldSIGINT live.
func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c
}

// newDumpConfig is where the defaults of DumpOnSIGUSR1 live.
func newDumpConfig(opts []DumpOption) (dumpConfig, error) {
	c := dumpConfig{out: os.Stderr, bound: DefaultSnapshotBound}
	for _, o := range opts {
		if o != nil {
			o.applyDump(&c)
		}
	}
	if c.bad != nil {
		return c, fmt.Errorf("signals: DumpOnSIGUSR1: %w", c.bad)
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c, nil
}

func (c *dumpConfig) invalid(format string, args ...any) {
	if c.bad == nil {
		c.bad = fmt.Errorf(format, args...)
	}
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config)         { f(c) }
func (f optionFunc) applyDump(c *dumpConfig) { f(&c.config) }

type dumpOptionFunc func(*dumpConfig)

func (f dumpOptionFunc) applyDump(c *dumpConfig) { f(c) }

// WithLogger sets the logger for the claim's reports (a signal answered,
// ignored or relayed). nil means slog.Default().
func WithLogger(l *slog.Logger) Option { return optionFunc(func(c *config) { c.log = l }) }

// WithOutput sets where dumps are written (os.Stderr by default). Each
// dump is one Write call. A nil writer is an error of DumpOnSIGUSR1.
func WithOutput(w io.Writer) DumpOption {
	return dumpOptionFunc(func(c *dumpConfig) {
		if w == nil {
			c.invalid("WithOutput(nil): a dump needs a writer")
			return
		}
		c.out = w
	})
}

// WithRelay sets the relay hook: after each dump, SIGUSR1 is sent to every
// process id children returns (the actor runtime passes its child
// processes), so their dumps follow this one. children runs on the
// dumper's goroutine, after the dump is written; nil means no relay. An
// id that is not positive (kill would reach a whole process group) or is
// this process's own is skipped with a warning.
func WithRelay(children func() []int) DumpOption {
	return dumpOptionFunc(func(c *dumpConfig) { c.relay = children })
}

// WithSnapshotBound sets how long a dump waits for the runner to hand over
// its task tree (DefaultSnapshotBound by default). A runner that does not
// answer in time (a task that never reaches a checkpoint, a blocked host
// loop) gets a dump without the tree, saying so. d must be positive.
func WithSnapshotBound(d time.Duration) DumpOption {
	return dumpOptionFunc(func(c *dumpConfig) {
		if d <= 0 {
			c.invalid("WithSnapshotBound(%v): the bound must be positive", d)
			return
		}
		c.bound = d
	})
}
