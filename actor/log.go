package actor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hitchrt/hitch/actor/ipc"
)

// The runtime's extra log levels sit in the gaps slog leaves between its
// standard levels (Debug -4, Info 0, Warn 4), so a healthy tree is quiet at
// Info yet every routine step shows at Debug.
const (
	// LevelRuntime (-3) logs routine runtime events: a child spawned,
	// connected, exited after being asked to.
	LevelRuntime slog.Level = -3
	// LevelTransport (-2) logs routine transport events; it is msg's.
	LevelTransport = ipc.LevelTransport
	// LevelCancel (-1) logs cancellation requests and acknowledgements:
	// routine, but the first thing to read when a tree will not end.
	LevelCancel slog.Level = -1
)

// levelName names the runtime's levels in log output, as slog's custom
// levels example does.
func levelName(l slog.Level) string {
	switch l {
	case LevelRuntime:
		return "RUNTIME"
	case LevelTransport:
		return "TRANSPORT"
	case LevelCancel:
		return "CANCEL"
	}
	return l.String()
}

// parseLevel reads a level name written by levelName or slog.
func parseLevel(s string) (slog.Level, bool) {
	switch strings.ToUpper(s) {
	case "":
		return slog.LevelInfo, false
	case "RUNTIME":
		return LevelRuntime, true
	case "TRANSPORT":
		return LevelTransport, true
	case "CANCEL":
		return LevelCancel, true
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo, false
	}
	return l, true
}

// recordMark starts every line a sub-actor's log handler writes on its
// stderr: the rest of the line is the record as JSON. Lines without it are
// the child's raw output (a panic, a print), passed on as text.
var recordMark = []byte("\x1ehitch-log ")

// childHandler is the log handler of a sub-actor: each record is one
// marked JSON line on w (its stderr), which its parent decodes and logs
// again through its own handler, tagged with the child's name, so the
// records of the whole tree reach the root's handler.
func childHandler(w io.Writer, level slog.Level) slog.Handler {
	return slog.NewJSONHandler(markWriter{w}, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.LevelKey {
				if l, ok := a.Value.Any().(slog.Level); ok {
					return slog.String(slog.LevelKey, levelName(l))
				}
			}
			return a
		},
	})
}

// markWriter puts recordMark before each record. slog's JSON handler
// writes a record with one Write, under its lock; the line goes to a pipe
// in one write, so no other output of the process splits it.
type markWriter struct{ w io.Writer }

func (m markWriter) Write(p []byte) (int, error) {
	b := make([]byte, 0, len(recordMark)+len(p))
	b = append(append(b, recordMark...), p...)
	if _, err := m.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

// decodeRecord reads a record line written by childHandler (without its
// mark), keeping the order of its attributes.
func decodeRecord(line []byte) (slog.Record, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return slog.Record{}, fmt.Errorf("actor: log record: not a JSON object")
	}
	attrs, err := decodeObject(dec)
	if err != nil {
		return slog.Record{}, err
	}
	var (
		when  time.Time
		level = slog.LevelInfo
		text  string
		rest  = attrs[:0]
	)
	for _, a := range attrs {
		switch a.Key {
		case slog.TimeKey:
			when, _ = time.Parse(time.RFC3339Nano, a.Value.String())
		case slog.LevelKey:
			level, _ = parseLevel(a.Value.String())
		case slog.MessageKey:
			text = a.Value.String()
		default:
			rest = append(rest, a)
		}
	}
	r := slog.NewRecord(when, level, text, 0)
	r.AddAttrs(rest...)
	return r, nil
}

// decodeObject reads the members of a JSON object whose '{' was read, and
// its '}'.
func decodeObject(dec *json.Decoder) ([]slog.Attr, error) {
	var attrs []slog.Attr
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		v, err := decodeValue(dec)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, slog.Attr{Key: key, Value: v})
	}
	_, err := dec.Token() // '}'
	return attrs, err
}

func decodeValue(dec *json.Decoder) (slog.Value, error) {
	t, err := dec.Token()
	if err != nil {
		return slog.Value{}, err
	}
	switch t := t.(type) {
	case json.Delim:
		if t == '{' {
			attrs, err := decodeObject(dec)
			return slog.GroupValue(attrs...), err
		}
		var xs []any
		for dec.More() {
			v, err := decodeValue(dec)
			if err != nil {
				return slog.Value{}, err
			}
			xs = append(xs, v.Any())
		}
		_, err := dec.Token() // ']'
		return slog.AnyValue(xs), err
	case string:
		return slog.StringValue(t), nil
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return slog.Int64Value(i), nil
		}
		f, _ := t.Float64()
		return slog.Float64Value(f), nil
	case bool:
		return slog.BoolValue(t), nil
	}
	return slog.AnyValue(nil), nil
}

// quietInfo is a handler that logs its Info records at level instead: the
// signal guard reports each stop signal at Info, which a sub-actor (that
// gets a terminal's Ctrl-C with its whole process group) turns into a
// routine runtime event, leaving the root's report the one at Info.
type quietInfo struct {
	slog.Handler
	level slog.Level
}

func (q quietInfo) Enabled(ctx context.Context, l slog.Level) bool {
	if l == slog.LevelInfo {
		l = q.level
	}
	return q.Handler.Enabled(ctx, l)
}

func (q quietInfo) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelInfo {
		r.Level = q.level
	}
	return q.Handler.Handle(ctx, r)
}

func (q quietInfo) WithAttrs(as []slog.Attr) slog.Handler {
	return quietInfo{q.Handler.WithAttrs(as), q.level}
}

func (q quietInfo) WithGroup(g string) slog.Handler {
	return quietInfo{q.Handler.WithGroup(g), q.level}
}

// outMu serialises the prefixed lines of every child, so lines of two
// children never interleave mid-line.
var outMu sync.Mutex

// lineWriter is a child's stderr as its parent sees it: the child's log
// records are logged again through log, with an "actor" attribute naming
// the child unless they carry one (a record relayed from further down
// names its own actor); other lines go to out with a prefix naming the
// child. The last lines are kept for the error that reports the child's
// death. os/exec calls Write from one goroutine; tail may be read from
// others.
type lineWriter struct {
	name   string
	prefix string
	out    io.Writer
	log    slog.Handler
	part   []byte // an unfinished line

	mu   sync.Mutex
	tail []string // the last tailLines lines; guarded by mu
}

const (
	tailLines   = 20
	maxLineSize = 4 << 10
)

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.part = append(w.part, p...)
			if len(w.part) > maxLineSize {
				w.line(w.part)
				w.part = w.part[:0]
			}
			break
		}
		w.part = append(w.part, p[:i]...)
		w.line(w.part)
		w.part = w.part[:0]
		p = p[i+1:]
	}
	return n, nil
}

// flush writes an unfinished last line; call it once the child's stderr
// is closed.
func (w *lineWriter) flush() {
	if len(w.part) > 0 {
		w.line(w.part)
		w.part = w.part[:0]
	}
}

func (w *lineWriter) line(b []byte) {
	if rec, ok := bytes.CutPrefix(b, recordMark); ok {
		if r, err := decodeRecord(rec); err == nil {
			w.keep(w.relay(r))
			return
		}
	}
	s := string(b)
	w.keep(s)
	outMu.Lock()
	io.WriteString(w.out, w.prefix+s+"\n")
	outMu.Unlock()
}

// relay logs the child's record r through the parent's handler and
// returns it as text for the tail. The child already filtered it at the
// tree's level (WithLogLevel, relayed to it), so the parent's handler is
// not asked again.
func (w *lineWriter) relay(r slog.Record) string {
	tagged := false
	r.Attrs(func(a slog.Attr) bool {
		tagged = a.Key == "actor"
		return !tagged
	})
	if !tagged {
		out := slog.NewRecord(r.Time, r.Level, r.Message, 0)
		out.AddAttrs(slog.String("actor", w.name))
		r.Attrs(func(a slog.Attr) bool { out.AddAttrs(a); return true })
		r = out
	}
	if w.log != nil {
		_ = w.log.Handle(context.Background(), r)
	}
	var sb strings.Builder
	sb.WriteString(levelName(r.Level) + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		sb.WriteString(" " + a.String())
		return true
	})
	return sb.String()
}

// keep adds a line to the tail.
func (w *lineWriter) keep(s string) {
	w.mu.Lock()
	if len(w.tail) == tailLines {
		copy(w.tail, w.tail[1:])
		w.tail = w.tail[:tailLines-1]
	}
	w.tail = append(w.tail, s)
	w.mu.Unlock()
}

// lastLines returns the kept tail of the child's stderr.
func (w *lineWriter) lastLines() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.tail, "\n")
}
