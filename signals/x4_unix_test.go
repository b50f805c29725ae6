//go:build unix

package signals_test

import (
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// X4: after a REPL's shield comes down, SIGINT goes back to the runtime
// only while the runtime runs; once every owner has left, SIGINT's
// default action is back and ends the process.
func TestX4SIGINTRestored(t *testing.T) {
	if signal.Ignored(os.Interrupt) {
		t.Skip("this test process ignores SIGINT, so its children start with it ignored")
	}
	tests := []struct {
		name  string
		steps []string // line to wait for, then the handler the SIGINT must reach
	}{
		{"runtime-then-repl", []string{"shielded", "repl redraw", "unshielded", "runtime cancel"}},
		{"repl-outlives-runtime", []string{"shielded", "repl redraw"}},
		{"loop-run", []string{"shielded", "repl redraw", "unshielded", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := child(t, tt.name)
			for i := 0; i < len(tt.steps); i += 2 {
				p.Until(t, tt.steps[i])
				p.Signal(t, os.Interrupt)
				if want := tt.steps[i+1]; want != "" {
					if got := p.Until(t, "handled:"); got[len(got)-1] != "handled: "+want {
						t.Fatalf("after %q, SIGINT reached %q, want %q", tt.steps[i], got[len(got)-1], want)
					}
				}
			}
			if tt.name == "loop-run" {
				if got := p.Until(t, "run returned:"); got[len(got)-1] != "run returned: loop: interrupted: loop: cancelled" {
					t.Fatalf("loop.Run: %q", got[len(got)-1])
				}
			}
			p.Until(t, "released")
			p.Signal(t, os.Interrupt)
			killedBy(t, p, syscall.SIGINT)
		})
	}
}
