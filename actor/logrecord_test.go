package actor

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// keep is a slog.Handler that keeps every record.
type keep struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (k *keep) Enabled(context.Context, slog.Level) bool { return true }
func (k *keep) WithAttrs([]slog.Attr) slog.Handler       { return k }
func (k *keep) WithGroup(string) slog.Handler            { return k }
func (k *keep) Handle(_ context.Context, r slog.Record) error {
	k.mu.Lock()
	k.recs = append(k.recs, r.Clone())
	k.mu.Unlock()
	return nil
}

// A record written by a sub-actor's handler comes out of its parent's
// lineWriter as the same record (level, time, message, attributes in
// order, typed), tagged with the child's name; a record that names its
// actor keeps it; other lines are prefixed output; a record longer than a
// raw line's cut still arrives whole.
func TestRecordRelay(t *testing.T) {
	var stderr, out bytes.Buffer
	child := slog.New(childHandler(&stderr, LevelRuntime))
	when := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	r := slog.NewRecord(when, LevelRuntime, "hello", 0)
	r.AddAttrs(slog.Int("n", -3), slog.Float64("f", 1.5), slog.Bool("ok", true),
		slog.String("s", "a \"quoted\"\nline"), slog.Group("g", slog.Int("x", 1), slog.Group("h", slog.String("y", "z"))),
		slog.Any("err", errors.New("boom")))
	if err := child.Handler().Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	child.Debug("below the level")
	stderr.WriteString("a raw line\n")
	child.Warn("relayed from below", "actor", "grandkid")
	child.Info("long", "big", strings.Repeat("x", 2*maxLineSize))

	parent := &keep{}
	w := &lineWriter{name: "kid", prefix: "[kid] ", out: &out, log: parent}
	// In small pieces, as a pipe may deliver them.
	for b := stderr.Bytes(); len(b) > 0; {
		n := min(len(b), 100)
		w.Write(b[:n])
		b = b[n:]
	}
	w.flush()

	want := []string{
		`RUNTIME hello actor=kid n=-3 f=1.5 ok=true s=a "quoted"` + "\n" + `line g=[x=1 h=[y=z]] err=boom`,
		"WARN relayed from below actor=grandkid",
		"INFO long actor=kid big=" + strings.Repeat("x", 2*maxLineSize),
	}
	if len(parent.recs) != len(want) {
		t.Fatalf("%d records relayed, want %d: %v", len(parent.recs), len(want), parent.recs)
	}
	for i, r := range parent.recs {
		if got := recordText(r); got != want[i] {
			t.Errorf("record %d:\n got %s\nwant %s", i, got, want[i])
		}
	}
	if got := parent.recs[0].Time; !got.Equal(when) {
		t.Errorf("time %v, want %v", got, when)
	}
	var n slog.Value
	parent.recs[0].Attrs(func(a slog.Attr) bool {
		if a.Key == "n" {
			n = a.Value
		}
		return true
	})
	if n.Kind() != slog.KindInt64 {
		t.Errorf("n is a %v, want an int64", n.Kind())
	}
	if got := out.String(); got != "[kid] a raw line\n" {
		t.Errorf("output %q, want the raw line prefixed", got)
	}
	if tail := w.lastLines(); !strings.Contains(tail, "a raw line") || !strings.Contains(tail, "RUNTIME hello actor=kid") {
		t.Errorf("tail lacks the lines:\n%s", tail)
	}
}
