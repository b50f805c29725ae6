package actor

import (
	"bytes"
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

// childHandler is the log handler of a sub-actor: text on stderr, no time
// (the line reaches the root through the parent, which prefixes it with
// the child's name), runtime level names.
func childHandler(w io.Writer, level slog.Level) slog.Handler {
	return slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				return slog.Attr{}
			case slog.LevelKey:
				if l, ok := a.Value.Any().(slog.Level); ok {
					return slog.String(slog.LevelKey, levelName(l))
				}
			}
			return a
		},
	})
}

// outMu serialises the prefixed lines of every child, so lines of two
// children never interleave mid-line.
var outMu sync.Mutex

// lineWriter is a child's stderr as its parent sees it: complete lines go
// to out with a prefix naming the child, and the last lines are kept for
// the error that reports the child's death. os/exec calls Write from one
// goroutine; tail may be read from others.
type lineWriter struct {
	prefix string
	out    io.Writer
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
	s := string(b)
	w.mu.Lock()
	if len(w.tail) == tailLines {
		copy(w.tail, w.tail[1:])
		w.tail = w.tail[:tailLines-1]
	}
	w.tail = append(w.tail, s)
	w.mu.Unlock()
	outMu.Lock()
	io.WriteString(w.out, w.prefix+s+"\n")
	outMu.Unlock()
}

// lastLines returns the kept tail of the child's stderr.
func (w *lineWriter) lastLines() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.tail, "\n")
}
