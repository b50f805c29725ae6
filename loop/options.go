package loop

import "log/slog"

// Option configures a Loop made by New or Run. Every Option is also a
// RunOption.
type Option interface {
	RunOption
	apply(*config)
}

// RunOption configures Run: the Options of its loop, and the settings of
// Run itself (WithSIGINTPolicy), which New does not take.
type RunOption interface{ applyRun(*runConfig) }

type config struct {
	logger  *slog.Logger
	handler func(ExceptionContext)
	debug   bool
}

type runConfig struct {
	loop   []Option
	sigint bool // own SIGINT and SIGTERM with the stop policy
}

// newRunConfig is where Run's defaults live.
func newRunConfig(opts []RunOption) runConfig {
	rc := runConfig{sigint: true}
	for _, o := range opts {
		if o != nil {
			o.applyRun(&rc)
		}
	}
	return rc
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config)        { f(c) }
func (f optionFunc) applyRun(rc *runConfig) { rc.loop = append(rc.loop, f) }

type runOptionFunc func(*runConfig)

func (f runOptionFunc) applyRun(rc *runConfig) { f(rc) }

// WithLogger sets the logger of the default exception handler. nil means
// slog.Default().
func WithLogger(l *slog.Logger) Option { return optionFunc(func(c *config) { c.logger = l }) }

// WithExceptionHandler replaces the default exception handler (which logs
// the report at Error level and lets the loop continue). The handler runs on
// the loop, or on the goroutine calling Close; a panic in it is logged. To
// make a panic fatal, call Stop from the handler.
func WithExceptionHandler(h func(ExceptionContext)) Option {
	return optionFunc(func(c *config) { c.handler = h })
}

// WithDebug turns on misuse checks that cost a little on hot paths: CallSoon,
// Spawn and the Timer calls panic, and Future.Wait returns an error, when the
// loop is running but not executing a callback or task step. See the package
// doc for why this is a heuristic.
func WithDebug() Option { return optionFunc(func(c *config) { c.debug = true }) }

// WithSIGINTPolicy turns Run's stop policy for SIGINT and SIGTERM (see
// Run) on (the default) or off. Off leaves both signals to the program. It
// is a RunOption: New does not take it.
func WithSIGINTPolicy(on bool) RunOption {
	return runOptionFunc(func(rc *runConfig) { rc.sigint = on })
}

// ExceptionContext is one report to the exception handler.
type ExceptionContext struct {
	// Message says what happened, e.g. "callback panicked".
	Message string
	// Err is the error; a *PanicError for panics, carrying the stack.
	Err error
	// Task is the task concerned, or nil.
	Task *Task
}
