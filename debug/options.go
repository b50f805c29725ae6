package debug

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
)

// Option configures Pause, PauseFromSync, PostMortem and Guard. An option a
// function cannot honour (Shield for PauseFromSync, Suppress for Pause) makes
// the call fail with an error naming the option, before any REPL opens.
type Option interface {
	apply(*config)
}

// caller says which function applies the options, for the options only some
// functions honour.
type caller int

const (
	callPause caller = iota
	callSync
	callPostMortem
	callGuard
)

var callerNames = [...]string{"Pause", "PauseFromSync", "PostMortem", "Guard"}

type config struct {
	shield   bool
	suppress bool
	vars     map[string]any
	in       *bufio.Reader // nil: the process's stdin
	out      io.Writer
	bad      error // the first option this caller cannot honour or an invalid value
}

// newConfig is where the defaults live: no shield, re-raise, no values,
// stdin and stdout.
func newConfig(who caller, opts []Option) config {
	c := config{out: os.Stdout}
	for _, o := range opts {
		if o == nil {
			continue
		}
		o.apply(&c)
		if c.bad == nil {
			c.bad = o.(interface{ check(caller) error }).check(who)
		}
	}
	return c
}

type option struct {
	name   string
	only   []caller // the callers that honour it; nil for all
	fn     func(*config)
	badVal error
}

func (o *option) apply(c *config) {
	if o.badVal != nil && c.bad == nil {
		c.bad = o.badVal
	}
	o.fn(c)
}

func (o *option) check(who caller) error {
	if o.only == nil {
		return nil
	}
	for _, w := range o.only {
		if w == who {
			return nil
		}
	}
	return fmt.Errorf("debug: option %s: %s cannot honour it", o.name, callerNames[who])
}

// Shield opens the REPL even in a cancelled scope: Pause and PostMortem run
// inside a shielded cancel scope, so neither the lock wait nor the REPL is
// cut short by cancellation. Only Pause and PostMortem honour it.
func Shield() Option {
	return &option{name: "Shield", only: []caller{callPause, callPostMortem}, fn: func(c *config) { c.shield = true }}
}

// Suppress makes Guard return nil after the post-mortem REPL instead of
// the function's error (or panic). Only Guard honours it.
func Suppress() Option {
	return &option{name: "Suppress", only: []caller{callGuard}, fn: func(c *config) { c.suppress = true }}
}

// Vars hands values to the REPL, shown by `p NAME` and `vars`. The map is
// copied when the option is made; several Vars and Var options add up, the
// later one winning a name.
func Vars(vs map[string]any) Option {
	cp := maps.Clone(vs)
	return &option{name: "Vars", fn: func(c *config) {
		if c.vars == nil {
			c.vars = map[string]any{}
		}
		maps.Copy(c.vars, cp)
	}}
}

// Var hands one value to the REPL under name (see Vars). An empty name is
// an error.
func Var(name string, v any) Option {
	o := Vars(map[string]any{name: v}).(*option)
	o.name = "Var"
	if name == "" {
		o.badVal = fmt.Errorf("debug: option Var: empty name")
	}
	return o
}

// Input makes the REPL read command lines from r, in plain line mode (no
// line editing), instead of the process's stdin. The reader is buffered
// once, when the option is made: reuse the same Option value for every
// pause that reads from r, or lines read ahead are lost. A nil r is an
// error.
func Input(r io.Reader) Option {
	o := &option{name: "Input"}
	if r == nil {
		o.badVal = fmt.Errorf("debug: option Input: nil reader")
		o.fn = func(*config) {}
		return o
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	o.fn = func(c *config) { c.in = br }
	return o
}

// Output sends everything the REPL writes (header, prompt in line mode,
// command output) to w instead of stdout. With a terminal on stdin and no
// Input option the line editor still draws its prompt on stdout. A nil w is
// an error.
func Output(w io.Writer) Option {
	o := &option{name: "Output", fn: func(c *config) { c.out = w }}
	if w == nil {
		o.badVal = fmt.Errorf("debug: option Output: nil writer")
		o.fn = func(*config) {}
	}
	return o
}
