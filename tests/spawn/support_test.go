//go:build unix

package spawn_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/tests/internal/poll"
	"github.com/hitchrt/hitch/tests/internal/proccheck"
)

// budget bounds every wait of these tests: a failure, never a pacing.
const budget = 20 * time.Second

// quiet keeps the children's stderr out of the test output unless -v.
func quiet(t *testing.T) actor.Option {
	if testing.Verbose() {
		return actor.WithChildOutput(tWriter{t})
	}
	return actor.WithChildOutput(io.Discard)
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s", p)
	return len(p), nil
}

// records is a slog.Handler that keeps every record.
type records struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (c *records) Enabled(context.Context, slog.Level) bool { return true }
func (c *records) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *records) WithGroup(string) slog.Handler            { return c }
func (c *records) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	c.recs = append(c.recs, r.Clone())
	c.mu.Unlock()
	return nil
}

// at returns the records at level l whose attribute key contains want.
func (c *records) at(l slog.Level, key, want string) []slog.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []slog.Record
	for _, r := range c.recs {
		if r.Level != l {
			continue
		}
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == key && strings.Contains(a.Value.String(), want) {
				out = append(out, r)
				return false
			}
			return true
		})
	}
	return out
}

// waitGone waits until pid is no longer a live process.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	if err := poll.Until("pid to exit", budget, func() bool { return !proccheck.Alive(pid) }); err != nil {
		t.Fatal(err)
	}
}
