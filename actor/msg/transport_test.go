package msg_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"strings"
	"syscall"
	"testing"

	"github.com/hitchrt/hitch/actor/msg"
)

func TestTransportClosedPolicy(t *testing.T) {
	tests := []struct {
		cause msg.CloseCause
		err   error
		level slog.Level
		raise bool
	}{
		{msg.CausePeerEOF, io.EOF, msg.LevelTransport, false},
		{msg.CauseReset, syscall.ECONNRESET, msg.LevelTransport, false},
		{msg.CauseLocalClose, nil, msg.LevelTransport, true},
		{msg.CauseSendClosed, nil, msg.LevelTransport, true},
		{msg.CauseBroken, errors.New("garbage"), slog.LevelWarn, false},
	}
	for _, tt := range tests {
		t.Run(tt.cause.String(), func(t *testing.T) {
			tc := msg.NewTransportClosed(tt.cause, "127.0.0.1:9", tt.err)
			if tc.Level != tt.level || tc.Raise != tt.raise {
				t.Fatalf("level %v raise %v, want %v %v", tc.Level, tc.Raise, tt.level, tt.raise)
			}
			if !errors.Is(tc, msg.ErrTransportClosed) || (tt.err != nil && !errors.Is(tc, tt.err)) {
				t.Fatalf("Is: %v", tc)
			}
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.Level(-8)}))
			got := tc.Report(log)
			if (got != nil) != tt.raise {
				t.Fatalf("Report returned %v", got)
			}
			out := buf.String()
			if strings.Count(out, "\n") != 1 || !strings.Contains(out, "peer=127.0.0.1:9") {
				t.Fatalf("want one log line naming the peer, got %q", out)
			}
			if !strings.HasPrefix(tc.Error(), "msg: transport closed (peer 127.0.0.1:9): ") {
				t.Fatalf("text %q", tc.Error())
			}
		})
	}
}

func TestTransportClosedQuietAtInfo(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	_ = msg.NewTransportClosed(msg.CausePeerEOF, "p", io.EOF).Report(log)
	if buf.Len() != 0 {
		t.Fatalf("a normal end logged at info: %q", buf.String())
	}
}
