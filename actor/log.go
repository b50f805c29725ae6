package actor

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"

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
	maxLineSize = 4 << 10 // of a raw line, before it is cut
	// maxRecordSize is maxLineSize for a log record, which must arrive
	// whole to be decoded (an error's stack makes a long one).
	maxRecordSize = 1 << 20
)

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.part = append(w.part, p...)
			if len(w.part) > maxLineSize && (!bytes.HasPrefix(w.part, recordMark) || len(w.part) > maxRecordSize) {
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
	return recordText(r)
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
