package sc

// Option configures NewRunner and Run.
type Option interface {
	apply(*config)
}

type config struct {
	clock    Clock
	mainName string
	values   []runValue
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
