package sc

// Option configures NewRunner and Run.
type Option interface {
	apply(*config)
}

type config struct {
	clock    Clock
	mainName string
	values   []runValue
	onHost   func() bool
	inline   bool
}

func defaultConfig() config {
	return config{clock: wallClock{}, mainName: "main"}
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithClock makes the runner read time from c; nil means the wall clock.
// With a *MockClock in autojump mode, Wait jumps the clock to the next
// deadline instead of sleeping.
func WithClock(c Clock) Option {
	return optionFunc(func(cfg *config) {
		if c == nil {
			c = wallClock{}
		}
		cfg.clock = c
	})
}

// WithMainName names the main task (default "main") in snapshots, panics
// and profiles.
func WithMainName(name string) Option {
	return optionFunc(func(cfg *config) { cfg.mainName = name })
}

// WithHostCode tells the runner how to recognise code of the host loop that
// drives it but runs on a goroutine of its own: a step of one of the host's
// coroutine tasks runs on the host's thread, serialized with the runner's
// ticks, yet goroutine identity cannot tell it from a plain goroutine.
// onHost reports whether the calling code is such host code; runner-owned
// calls (Inbox.Put and the rest) then accept it, and blocking Token calls
// refuse it with ErrInsideRunner, as they do for the driving goroutine. It
// must be cheap and safe from any goroutine. Drivers set it (package bridge
// does for a *loop.Loop host); a nil onHost is ignored.
func WithHostCode(onHost func() bool) Option {
	return optionFunc(func(cfg *config) {
		if onHost != nil {
			cfg.onHost = onHost
		}
	})
}
