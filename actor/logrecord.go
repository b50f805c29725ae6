package actor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// A sub-actor's log records travel to its parent as marked JSON lines on
// its stderr; the parent's lineWriter (log.go) decodes them and logs them
// again through its own handler.

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

// recordText renders a record as a line of text: its level, message and
// attributes.
func recordText(r slog.Record) string {
	var sb strings.Builder
	sb.WriteString(levelName(r.Level) + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		sb.WriteString(" " + a.String())
		return true
	})
	return sb.String()
}
