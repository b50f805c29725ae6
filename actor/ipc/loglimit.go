package ipc

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Log volume bounds for a listener's dropped peers: per cause, the first
// logBurst lines of each logWindow are written; the rest are counted, and
// the count is written once the window ends (or the listener stops). A
// flood so gives a few lines and a count, whatever its size. Variables so
// tests can shorten them.
var (
	logWindow = 10 * time.Second
	logBurst  = 5
)

// logLimiter writes log lines with a per-cause volume bound. It is safe for
// concurrent use.
type logLimiter struct {
	logger *slog.Logger

	mu     sync.Mutex
	causes map[string]*causeWindow // guarded by mu
	timer  *time.Timer             // flushes suppressed counts; guarded by mu
	closed bool                    // guarded by mu
}

type causeWindow struct {
	start      time.Time
	logged     int
	suppressed int
	level      slog.Level
}

func newLogLimiter(l *slog.Logger) *logLimiter {
	return &logLimiter{logger: l, causes: map[string]*causeWindow{}}
}

// log writes one line for cause, unless cause has used up its lines in
// the current window; then it only counts it.
func (l *logLimiter) log(cause string, level slog.Level, text string, attrs ...slog.Attr) {
	now := time.Now()
	l.mu.Lock()
	w := l.causes[cause]
	if w == nil {
		w = &causeWindow{start: now}
		l.causes[cause] = w
	}
	var summary *causeWindow
	if now.Sub(w.start) >= logWindow {
		if w.suppressed > 0 {
			s := *w
			summary = &s
		}
		*w = causeWindow{start: now}
	}
	write := l.closed || w.logged < logBurst
	if write {
		w.logged++
	} else {
		w.suppressed++
		w.level = max(w.level, level)
		if l.timer == nil {
			l.timer = time.AfterFunc(logWindow, l.flushExpired)
		}
	}
	l.mu.Unlock()
	if summary != nil {
		l.summarize(cause, summary)
	}
	if write {
		l.logger.LogAttrs(context.Background(), level, text, attrs...)
	}
}

func (l *logLimiter) summarize(cause string, w *causeWindow) {
	l.logger.LogAttrs(context.Background(), max(w.level, slog.LevelWarn), "ipc: more peers dropped than logged",
		slog.String("cause", cause), slog.Int("unlogged", w.suppressed), slog.Duration("within", logWindow))
}

// flushExpired writes the counts of windows that have ended.
func (l *logLimiter) flushExpired() {
	now := time.Now()
	type pending struct {
		cause string
		w     causeWindow
	}
	var out []pending
	l.mu.Lock()
	l.timer = nil
	if l.closed {
		l.mu.Unlock()
		return
	}
	again := false
	for cause, w := range l.causes {
		if w.suppressed == 0 {
			continue
		}
		if now.Sub(w.start) >= logWindow {
			out = append(out, pending{cause, *w})
			*w = causeWindow{start: now}
		} else {
			again = true
		}
	}
	if again {
		l.timer = time.AfterFunc(logWindow, l.flushExpired)
	}
	l.mu.Unlock()
	for _, p := range out {
		l.summarize(p.cause, &p.w)
	}
}

// close writes every count still held and stops the flushing timer.
func (l *logLimiter) close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	causes := l.causes
	l.causes = map[string]*causeWindow{}
	l.mu.Unlock()
	for cause, w := range causes {
		if w.suppressed > 0 {
			l.summarize(cause, w)
		}
	}
}
