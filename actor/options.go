package actor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/hitchrt/hitch/actor/ipc"
	"github.com/hitchrt/hitch/actor/msg"
)

// Defaults of the spawn and kill settings (tractor's constants where it
// has them).
const (
	// DefaultSpawnTimeout bounds how long StartActor waits for a child to
	// connect back. A child that dies first fails the start at once.
	DefaultSpawnTimeout = 30 * time.Second
	// DefaultCancelTimeout bounds the wait for a child's acknowledgement
	// of a graceful cancel request (tractor's Portal.cancel_timeout).
	DefaultCancelTimeout = 500 * time.Millisecond
	// DefaultKillGrace is how long a child may take to exit after each
	// step of the kill ladder (acknowledged cancel, then SIGTERM) before
	// the next (tractor's hard_kill terminate_after).
	DefaultKillGrace = 1600 * time.Millisecond
)

// Option configures OpenRoot, Run or StartActor. Options are built by the
// With functions of this package. An option that the function it is
// passed to cannot honour (the tree's token on StartActor, the binary of a
// root) makes the call fail with an error naming it; so does an invalid
// value.
type Option interface {
	apply(c *config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// Where a config is being built: what an option may be honoured by.
const (
	forRoot  = "OpenRoot"
	forStart = "StartActor"
)

// config holds an actor's settings, and per StartActor call the child's.
// Defaults are set in one place, defaultConfig.
type config struct {
	where string

	// Root only.
	name   string
	logger *slog.Logger
	token  []byte
	listen ipc.Addr // where this actor listens; a sub-actor's comes in its bootstrap record
	// registry is where the tree's registry is, or should be; zero means
	// this root is a new tree's registry on its listen address.
	registry ipc.Addr
	// stopSignals: the root claims SIGINT and SIGTERM while it runs.
	stopSignals bool

	// StartActor only: where the child listens; zero means the host its
	// parent listens on, on an ephemeral port (see childListenAddr).
	childListen ipc.Addr

	// Both: on a root they are the defaults for every child started from
	// this process; on StartActor they override them for one child.
	binary        string
	spawnTimeout  time.Duration
	cancelTimeout time.Duration
	killGrace     time.Duration
	childOutput   io.Writer
	dumpOutput    io.Writer // SIGUSR1 dumps; nil means os.Stderr
	logLevel      slog.Level
	logLevelSet   bool
	vars          msg.RuntimeVars // relayed to children; LogLevel is kept in logLevel
}

func defaultConfig() config {
	return config{
		name:          "root",
		stopSignals:   true,
		listen:        ipc.DefaultAddr,
		spawnTimeout:  DefaultSpawnTimeout,
		cancelTimeout: DefaultCancelTimeout,
		killGrace:     DefaultKillGrace,
	}
}

// build applies opts to c for the function named where.
func (c config) build(where string, opts []Option) (config, error) {
	c.where = where
	if where == forStart {
		// Host-loop mode is per child, never inherited.
		c.vars.Infected = false
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o.apply(&c); err != nil {
			return c, err
		}
	}
	if err := c.checkHostLoop(); err != nil {
		return c, err
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.childOutput == nil {
		c.childOutput = os.Stderr
	}
	if c.where == forRoot && !c.logLevelSet {
		c.logLevel = lowestEnabled(c.logger.Handler())
	}
	return c, nil
}

// lowestEnabled returns the lowest of the standard and runtime levels h
// logs at: sub-actors log from there, so they encode no record the root's
// handler would drop, and the root's handler, set to Debug, sees theirs.
func lowestEnabled(h slog.Handler) slog.Level {
	for _, l := range []slog.Level{slog.LevelDebug, LevelRuntime, LevelTransport, LevelCancel, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
		if h.Enabled(context.Background(), l) {
			return l
		}
	}
	return slog.LevelError + 4
}

func rootOnly(c *config, opt string) error {
	if c.where != forRoot {
		return fmt.Errorf("actor: %s: not an option of %s (it is set once for the actor, at OpenRoot)", opt, c.where)
	}
	return nil
}

// WithStopSignals sets whether the root claims SIGINT and SIGTERM while
// it runs (default true): the first cancels the tree gracefully and
// OpenRoot returns a *StoppedError, a second exits at once. An application
// that keeps its own policy for them (a "really quit?" dialog, say) passes
// false, claims them itself with signals.Own, and stops the tree by
// cancelling the context it gave OpenRoot. Root only.
func WithStopSignals(on bool) Option {
	return optionFunc(func(c *config) error {
		if err := rootOnly(c, "WithStopSignals"); err != nil {
			return err
		}
		c.stopSignals = on
		return nil
	})
}

// WithName names the root actor (default "root"). Root only.
func WithName(name string) Option {
	return optionFunc(func(c *config) error {
		if err := rootOnly(c, "WithName"); err != nil {
			return err
		}
		if name == "" {
			return fmt.Errorf("actor: WithName: empty name")
		}
		c.name = name
		return nil
	})
}

// WithLogger sets the root actor's logger; nil (the default) means
// slog.Default(). Root only: the records of every sub-actor of this
// process's tree reach this logger's handler, each with an "actor"
// attribute naming the actor that logged it (their other stderr output
// goes to WithChildOutput).
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) error {
		if err := rootOnly(c, "WithLogger"); err != nil {
			return err
		}
		c.logger = l
		return nil
	})
}

// WithToken sets the tree's auth token, which every connection of the
// tree proves. Without it the root makes a random 32-byte token. Give the
// same token to programs that join an existing tree. Root only; an empty
// token is an error.
func WithToken(token []byte) Option {
	return optionFunc(func(c *config) error {
		if err := rootOnly(c, "WithToken"); err != nil {
			return err
		}
		if len(token) == 0 {
			return fmt.Errorf("actor: WithToken: empty token")
		}
		c.token = append([]byte(nil), token...)
		return nil
	})
}

// WithListenAddr sets where an actor listens. On OpenRoot it is the root's
// address; the default is loopback TCP on an ephemeral port. On StartActor
// it is that child's; the default there is the host its parent listens on,
// on an ephemeral port, so a tree opened on a routable address stays
// reachable from other machines all the way down (an unspecified host such
// as 0.0.0.0 is registered under the address this actor reaches the
// registry from). A zero address is an error.
func WithListenAddr(addr ipc.Addr) Option {
	return optionFunc(func(c *config) error {
		if addr.IsZero() {
			return fmt.Errorf("actor: WithListenAddr: zero address")
		}
		if c.where == forStart {
			c.childListen = addr
		} else {
			c.listen = addr
		}
		return nil
	})
}

// WithRegistryAddr joins the tree whose registry answers at addr, or
// makes this root that registry, listening at addr, when nothing is
// there. Something at addr that does not answer as a registry within a
// second fails OpenRoot with an error matching ErrRegistryOccupied. A
// program joining another's tree needs that tree's token (WithToken).
// Root only.
func WithRegistryAddr(addr ipc.Addr) Option {
	return optionFunc(func(c *config) error {
		if err := rootOnly(c, "WithRegistryAddr"); err != nil {
			return err
		}
		if addr.IsZero() {
			return fmt.Errorf("actor: WithRegistryAddr: zero address")
		}
		c.registry = addr
		return nil
	})
}

// WithBinary names the executable sub-actors run: another program that
// calls ChildMain first thing in main and registers the endpoints it will
// be asked for. The default is this program's own executable. On a root
// it is the default for every child; on StartActor, for that child.
func WithBinary(path string) Option {
	return optionFunc(func(c *config) error {
		if path == "" {
			return fmt.Errorf("actor: WithBinary: empty path")
		}
		c.binary = path
		return nil
	})
}

// WithSpawnTimeout bounds how long StartActor waits for a child to connect
// back (default DefaultSpawnTimeout). d must be positive.
func WithSpawnTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("actor: WithSpawnTimeout: %v is not positive", d)
		}
		c.spawnTimeout = d
		return nil
	})
}

// WithCancelTimeout bounds the wait for a child's acknowledgement of a
// graceful cancel (default DefaultCancelTimeout). d must be positive.
func WithCancelTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("actor: WithCancelTimeout: %v is not positive", d)
		}
		c.cancelTimeout = d
		return nil
	})
}

// WithKillGrace sets how long a cancelled child may take to exit before it
// gets SIGTERM, and again before SIGKILL (default DefaultKillGrace). d must
// be positive.
func WithKillGrace(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("actor: WithKillGrace: %v is not positive", d)
		}
		c.killGrace = d
		return nil
	})
}

// WithChildOutput sets where the stderr output of sub-actors other than
// their log records goes (a panic, a print, a SIGUSR1 dump), each line
// prefixed with the child's name (default os.Stderr). Their log records go
// to the root's logger (WithLogger).
func WithChildOutput(w io.Writer) Option {
	return optionFunc(func(c *config) error {
		if w == nil {
			return fmt.Errorf("actor: WithChildOutput: nil writer")
		}
		c.childOutput = w
		return nil
	})
}

// WithDumpOutput sets where this actor writes its task-tree dump when it
// gets SIGUSR1 (default os.Stderr; a sub-actor's stderr reaches its
// parent's child output, prefixed with its name). Root only.
func WithDumpOutput(w io.Writer) Option {
	return optionFunc(func(c *config) error {
		if err := rootOnly(c, "WithDumpOutput"); err != nil {
			return err
		}
		if w == nil {
			return fmt.Errorf("actor: WithDumpOutput: nil writer")
		}
		c.dumpOutput = w
		return nil
	})
}

// WithDebugMode sets the debug-mode runtime variable, relayed to children
// and their children in turn. On StartActor it overrides the parent's
// value for that child's subtree.
func WithDebugMode(on bool) Option {
	return optionFunc(func(c *config) error {
		c.vars.DebugMode = on
		return nil
	})
}

// WithVar sets a runtime variable of the program's own, relayed to
// children like the runtime's. On StartActor it overrides the parent's
// value for that child's subtree. An empty key is an error.
func WithVar(key, value string) Option {
	return optionFunc(func(c *config) error {
		if key == "" {
			return fmt.Errorf("actor: WithVar: empty key")
		}
		extra := make(map[string]string, len(c.vars.Extra)+1)
		for k, v := range c.vars.Extra {
			extra[k] = v
		}
		extra[key] = value
		c.vars.Extra = extra
		return nil
	})
}

// WithBusyPoll sets how long the actor's IPC channels keep polling for an
// answer before they park (see [ipc.WithBusyPoll]; without it, ipc's
// default: [ipc.DefaultBusyPoll] in a process that may run on more than
// one CPU, off on one). Polling keeps a processor busy for up to d while
// an answer is awaited, and in return round trips skip the network
// poller's wake-up; 0 turns it off, for a program that would rather leave
// processors idle than save microseconds. It is a
// runtime variable, relayed to children and their children in turn; on
// StartActor it overrides the parent's value for that child's subtree. A
// negative d is an error.
func WithBusyPoll(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("actor: WithBusyPoll: window %v: want zero (off) or a positive duration", d)
		}
		c.vars.BusyPoll = d.String()
		return nil
	})
}

// busyPollOpt reads RuntimeVars.BusyPoll: nil for the default (empty).
func busyPollOpt(s string) (ipc.Option, error) {
	if s == "" {
		return nil, nil
	}
	d, err := time.ParseDuration(s)
	if err == nil && d < 0 {
		err = errors.New("negative")
	}
	if err != nil {
		return nil, fmt.Errorf("actor: runtime var BusyPoll %q: want a Go duration of zero or more: %v", s, err)
	}
	return ipc.WithBusyPoll(d), nil
}

// WithLogLevel sets the minimum level sub-actors log at; it is relayed to
// their own children in turn. Their records reach the root's logger
// whatever its own level. The default is the lowest level the root's
// logger enables (Info with slog's default logger).
func WithLogLevel(l slog.Level) Option {
	return optionFunc(func(c *config) error {
		c.logLevel, c.logLevelSet = l, true
		return nil
	})
}
