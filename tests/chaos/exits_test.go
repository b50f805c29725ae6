//go:build linux

package chaos_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/hitchrt/hitch/tests/internal/proccheck"
)

// exitBook learns every sub-actor's exit status. A parent reaps its
// children and logs each exit ("actor: sub-actor exited", pid, status) at
// the runtime level, which the tree's log level lets through: the root's
// own lines come to its logger, every other actor's through the child
// output, prefixed. An orphan (its parent was killed) is reparented to the
// root, the tree's subreaper, and reaped here as init would.
type exitBook struct {
	mu        sync.Mutex
	status    map[int]string // pid → exit status
	orphans   map[int]string // pid → exit status, of the orphans reaped here
	hardKills []string       // the kill ladder's last step, as logged
	out       io.Writer
	lines     int
}

func newExitBook(out io.Writer) *exitBook {
	return &exitBook{status: map[int]string{}, orphans: map[int]string{}, out: out}
}

var exitLine = regexp.MustCompile(`msg="actor: sub-actor exited".* pid=(\d+) status=(?:"([^"]*)"|(\S+))`)

// Write takes the child output: whole lines, each prefixed with the names
// of the actors it came through.
func (b *exitBook) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines++
	_, _ = b.out.Write(p)
	for line := range bytes.SplitSeq(p, []byte("\n")) {
		if m := exitLine.FindSubmatch(line); m != nil {
			pid, _ := strconv.Atoi(string(m[1]))
			st := string(m[2])
			if st == "" {
				st = string(m[3])
			}
			b.status[pid] = st
		}
		if bytes.Contains(line, []byte("level=ERROR")) && bytes.Contains(line, []byte("killing it")) {
			b.hardKills = append(b.hardKills, string(line))
		}
	}
	return len(p), nil
}

// Enabled and the rest make the book the root's slog.Handler.
func (b *exitBook) Enabled(context.Context, slog.Level) bool { return true }
func (b *exitBook) WithAttrs([]slog.Attr) slog.Handler       { return b }
func (b *exitBook) WithGroup(string) slog.Handler            { return b }
func (b *exitBook) Handle(_ context.Context, r slog.Record) error {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "[root] %s level=%v msg=%q", r.Time.Format("15:04:05.000"), r.Level, r.Message)
	pid, status := 0, ""
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&buf, " %s=%q", a.Key, a.Value.String())
		switch a.Key {
		case "pid":
			pid = int(a.Value.Int64())
		case "status":
			status = a.Value.String()
		}
		return true
	})
	buf.WriteByte('\n')
	b.mu.Lock()
	defer b.mu.Unlock()
	_, _ = b.out.Write(buf.Bytes())
	if r.Message == "actor: sub-actor exited" && pid != 0 {
		b.status[pid] = status
	}
	if r.Level >= slog.LevelError && bytes.Contains(buf.Bytes(), []byte("killing it")) {
		b.hardKills = append(b.hardKills, buf.String())
	}
	return nil
}

// reapOrphans waits for the root's zombie children that were born to
// another actor: orphans whose parent died.
func (b *exitBook) reapOrphans(dir string) {
	me := os.Getpid()
	for _, p := range proccheck.Children() {
		if p.State != 'Z' {
			continue
		}
		if born, ok := birthParent(dir, p.PID); !ok || born == me {
			continue // the runtime's own child: its reaper waits for it
		}
		var ws syscall.WaitStatus
		if got, err := syscall.Wait4(p.PID, &ws, syscall.WNOHANG, nil); err != nil || got != p.PID {
			continue
		}
		b.mu.Lock()
		b.status[p.PID] = waitStatusText(ws)
		b.orphans[p.PID] = b.status[p.PID]
		b.mu.Unlock()
	}
}

// runReaper reaps orphans every few milliseconds until stop is closed.
func (b *exitBook) runReaper(dir string, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		b.reapOrphans(dir)
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

func (b *exitBook) statusOf(pid int) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.status[pid]
	return s, ok
}

// waitStatusText renders ws as os.ProcessState does.
func waitStatusText(ws syscall.WaitStatus) string {
	switch {
	case ws.Exited():
		return "exit status " + strconv.Itoa(ws.ExitStatus())
	case ws.Signaled():
		return "signal: " + ws.Signal().String()
	}
	return fmt.Sprintf("wait status %#x", uint32(ws))
}
