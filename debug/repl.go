package debug

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/signals"
	"github.com/peterh/liner"
)

// prompt is what the REPL shows before each command line.
const prompt = "(debug) "

// errContinue leaves the REPL and lets the paused code go on. Leaving is a
// typed error rather than a flag, so commands just return it.
var errContinue = errors.New("debug: continue")

// session is one REPL: who is paused and what it can show.
type session struct {
	who    Holder
	out    *syncWriter
	in     *bufio.Reader // nil: the process's stdin
	vars   map[string]any
	frames []runtime.Frame // the paused code's stack, innermost first
	crash  error           // what crashed (post-mortem), or nil
	tree   func() (*sc.TreeNode, error)
	actors func(w io.Writer) error

	last      string      // the last command line, for an empty line
	prompting atomic.Bool // a line-mode prompt waits for input
}

// command is one entry of the REPL's command table; help and completion
// read the same table.
type command struct {
	aliases []string
	group   string
	args    string
	help    string
	fn      func(s *session, args string) error
}

var commands []command

func init() {
	commands = []command{
		{aliases: []string{"continue", "c"}, group: "Running", help: "leave the REPL; the paused code goes on", fn: func(*session, string) error { return errContinue }},
		{aliases: []string{"quit", "q"}, group: "Running", help: "leave the REPL; the paused code gets a quit error", fn: func(*session, string) error { return ErrQuit }},
		{aliases: []string{"bt", "backtrace", "stack"}, group: "Inspecting", help: "the paused code's stack", fn: (*session).backtrace},
		{aliases: []string{"l", "list"}, group: "Inspecting", help: "the source around the pause", fn: (*session).list},
		{aliases: []string{"p", "print"}, group: "Inspecting", args: "NAME", help: "a value handed to the pause", fn: (*session).print},
		{aliases: []string{"vars"}, group: "Inspecting", help: "every value handed to the pause", fn: (*session).listVars},
		{aliases: []string{"tasks"}, group: "Runtime", help: "the runner's task tree", fn: (*session).tasks},
		{aliases: []string{"actors"}, group: "Runtime", help: "the actor tree", fn: (*session).actorTree},
		{aliases: []string{"help", "h", "?"}, group: "Other", help: "this list", fn: (*session).help},
	}
}

func lookup(name string) *command {
	for i := range commands {
		if slices.Contains(commands[i].aliases, name) {
			return &commands[i]
		}
	}
	return nil
}

// run shows the header and reads commands until one leaves: it returns nil
// for continue (or the end of the input) and an error matching ErrQuit for
// quit. It blocks on input: callers run it on a goroutine of their own or in
// a task step that may stall the runner.
func (s *session) run() error {
	release := signals.ShieldSIGINT("debug repl", s.redraw)
	defer release()

	fmt.Fprintf(s.out, "hitch: %s\n", s.who)
	if len(s.frames) > 0 {
		f := s.frames[0]
		fmt.Fprintf(s.out, "  at %s:%d (%s)\n", f.File, f.Line, f.Function)
	}
	if s.crash != nil {
		s.showCrash()
	}

	read, done := s.lineReader()
	defer done()
	for {
		line, err := read()
		switch {
		case errors.Is(err, liner.ErrPromptAborted):
			fmt.Fprintln(s.out) // Ctrl-C at the prompt: a fresh prompt
			continue
		case errors.Is(err, io.EOF):
			fmt.Fprintln(s.out, "\nend of input: continuing")
			return nil
		case err != nil:
			return fmt.Errorf("debug: reading a command: %w", err)
		}
		line = strings.TrimSpace(line)
		if line == "" {
			if line = s.last; line == "" {
				continue
			}
		} else if s.in == nil && stdinIsTerminal() {
			appendHistory(line) // kept for the line editor of later runs
		}
		s.last = line
		name, args, _ := strings.Cut(line, " ")
		cmd := lookup(name)
		if cmd == nil {
			fmt.Fprintf(s.out, "unknown command %q; type help for the list\n", name)
			continue
		}
		switch err := cmd.fn(s, strings.TrimSpace(args)); {
		case errors.Is(err, errContinue):
			return nil
		case errors.Is(err, ErrQuit):
			return err
		case err != nil:
			fmt.Fprintf(s.out, "%s: %v\n", name, err)
		}
	}
}

// lineReader returns the function that reads one command line: plain lines
// from the Input option or a stdin that is not a terminal, else the line
// editor on the terminal, with the history.
func (s *session) lineReader() (read func() (string, error), done func()) {
	in := s.in
	if in == nil && !stdinIsTerminal() {
		in = stdinLines()
	}
	if in != nil {
		return func() (string, error) {
			fmt.Fprint(s.out, prompt)
			s.prompting.Store(true)
			line, err := in.ReadString('\n')
			s.prompting.Store(false)
			if err == io.EOF && line != "" {
				err = nil
			}
			return line, err
		}, func() {}
	}
	ln := liner.NewLiner()
	ln.SetCtrlCAborts(true)
	ln.SetCompleter(complete)
	loadHistory(ln)
	return func() (string, error) {
		s.prompting.Store(true)
		line, err := ln.Prompt(prompt)
		s.prompting.Store(false)
		if err == nil && strings.TrimSpace(line) != "" {
			ln.AppendHistory(strings.TrimSpace(line))
		}
		return line, err
	}, func() { ln.Close() }
}

// redraw runs on the signal guard's goroutine when SIGINT comes while the
// REPL is open: it puts a fresh prompt up where one waits for input. The
// line editor takes Ctrl-C as a key while it reads; a SIGINT still reaches
// its prompt when Ctrl-C is pressed just before the editor has the terminal
// (the line editor redraws its line on the next key). While a command runs,
// the prompt that follows it is the redraw.
func (s *session) redraw() {
	if s.prompting.Load() {
		fmt.Fprint(s.out, "\n"+prompt)
	}
}

func (s *session) showCrash() {
	fmt.Fprintf(s.out, "error: %v\n", s.crash)
	for _, rae := range remoteErrors(s.crash) {
		fmt.Fprintf(s.out, "%s\n", rae.Tree()) // where it came from, with its stack
	}
	if pe, ok := errors.AsType[*sc.PanicError](s.crash); ok && len(pe.Stack) > 0 {
		fmt.Fprintf(s.out, "panic stack:\n%s", pe.Stack)
		if !strings.HasSuffix(string(pe.Stack), "\n") {
			fmt.Fprintln(s.out)
		}
	}
}

func (s *session) backtrace(string) error {
	if pe, ok := errors.AsType[*sc.PanicError](s.crash); ok && len(pe.Stack) > 0 {
		fmt.Fprintf(s.out, "%s\n", strings.TrimRight(string(pe.Stack), "\n"))
		return nil
	}
	if len(s.frames) == 0 {
		return errors.New("no stack")
	}
	for i, f := range s.frames {
		fmt.Fprintf(s.out, "%2d  %s\n      %s:%d\n", i, f.Function, f.File, f.Line)
	}
	return nil
}

func (s *session) list(string) error {
	if len(s.frames) == 0 {
		return errors.New("no source position")
	}
	f := s.frames[0]
	src, err := os.ReadFile(f.File)
	if err != nil {
		return fmt.Errorf("%s:%d: %w", f.File, f.Line, err)
	}
	lines := strings.Split(string(src), "\n")
	fmt.Fprintf(s.out, "%s:%d\n", f.File, f.Line)
	for n := max(1, f.Line-5); n <= min(len(lines), f.Line+5); n++ {
		mark := "  "
		if n == f.Line {
			mark = "=>"
		}
		fmt.Fprintf(s.out, "%s %4d: %s\n", mark, n, lines[n-1])
	}
	return nil
}

func (s *session) print(name string) error {
	if name == "" {
		return errors.New("usage: p NAME")
	}
	v, ok := s.vars[name]
	if !ok {
		return fmt.Errorf("no value named %q (vars lists them)", name)
	}
	fmt.Fprintf(s.out, "%s = %#v\n", name, v)
	return nil
}

func (s *session) listVars(string) error {
	if len(s.vars) == 0 {
		fmt.Fprintln(s.out, "no values")
		return nil
	}
	names := make([]string, 0, len(s.vars))
	for n := range s.vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(s.out, "%s = %#v\n", n, s.vars[n])
	}
	return nil
}

func (s *session) tasks(string) error {
	if s.tree == nil {
		return errors.New("no runtime attached")
	}
	t, err := s.tree()
	if err != nil {
		return err
	}
	fmt.Fprint(s.out, t)
	return nil
}

func (s *session) actorTree(string) error {
	if s.actors == nil {
		fmt.Fprintln(s.out, "this actor only")
		return nil
	}
	return s.actors(s.out)
}

func (s *session) help(string) error {
	var groups []string
	for _, c := range commands {
		if !slices.Contains(groups, c.group) {
			groups = append(groups, c.group)
		}
	}
	for _, g := range groups {
		fmt.Fprintf(s.out, "%s:\n", g)
		for _, c := range commands {
			if c.group != g {
				continue
			}
			use := strings.Join(c.aliases, ", ")
			if c.args != "" {
				use += " " + c.args
			}
			fmt.Fprintf(s.out, "  %-22s %s\n", use, c.help)
		}
	}
	fmt.Fprintln(s.out, "An empty line repeats the last command.")
	return nil
}

// complete offers the command names that start with the typed text.
func complete(line string) []string {
	var out []string
	for _, c := range commands {
		for _, a := range c.aliases {
			if strings.HasPrefix(a, line) {
				out = append(out, a)
			}
		}
	}
	return out
}

// syncWriter serializes the REPL's writes with the SIGINT redraw, which
// runs on another goroutine.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

var (
	stdinOnce   sync.Once
	stdinReader *bufio.Reader
)

// stdinLines is the one reader of a stdin that is not a terminal, shared
// by every REPL of the process. It never reads past the end of a line: the
// processes of an actor tree share that stdin, and a line read ahead here
// would be lost to the next REPL, in another process.
func stdinLines() *bufio.Reader {
	stdinOnce.Do(func() { stdinReader = bufio.NewReaderSize(byteReader{os.Stdin}, 16) })
	return stdinReader
}

// byteReader reads one byte at a time (command lines are short).
type byteReader struct{ r io.Reader }

func (b byteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return b.r.Read(p)
}

func stdinIsTerminal() bool {
	fi, err := os.Stdin.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// remoteErrors returns the errors from other actors in err's tree, each
// once (a relayed error is not looked into further).
func remoteErrors(err error) []*msg.RemoteActorError {
	switch e := err.(type) {
	case nil:
		return nil
	case *msg.RemoteActorError:
		return []*msg.RemoteActorError{e}
	case interface{ Unwrap() []error }:
		var out []*msg.RemoteActorError
		for _, c := range e.Unwrap() {
			out = append(out, remoteErrors(c)...)
		}
		return out
	}
	return remoteErrors(errors.Unwrap(err))
}
