//go:build unix

package infected_test

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/tests/internal/proccheck"
)

// budget bounds every wait of these tests: a failure, never a pacing.
const budget = 20 * time.Second

// output collects the children's stderr, shown in the test log with -v,
// and searchable by the tests.
type output struct {
	t  *testing.T
	mu sync.Mutex
	b  strings.Builder
}

func newOutput(t *testing.T) *output { return &output{t: t} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	o.b.Write(p)
	o.mu.Unlock()
	if testing.Verbose() {
		o.t.Logf("%s", p)
	}
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// childOutput is where the children's stderr goes: out of the test
// output unless -v.
func childOutput(t *testing.T) io.Writer {
	if testing.Verbose() {
		return newOutput(t)
	}
	return io.Discard
}

// capture sends the children's output and the log records they relay
// (which reach the root's logger, not its child output) to w.
func capture(w io.Writer) []actor.Option {
	return []actor.Option{
		actor.WithChildOutput(w),
		actor.WithLogger(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))),
	}
}

// quiet is childOutput as an option.
func quiet(t *testing.T) actor.Option { return actor.WithChildOutput(childOutput(t)) }

// exists reports whether path exists.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func msec(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// alive reports whether pid is a live process.
func alive(pid int) bool { return proccheck.Alive(pid) }
