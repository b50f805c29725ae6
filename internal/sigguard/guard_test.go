package sigguard_test

import (
	"os"
	"strings"
	"testing"

	"github.com/hitchrt/hitch/internal/sigguard"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func nop(os.Signal) {}

func own(who string, level sigguard.Level, sigs ...os.Signal) func() {
	return sigguard.Own(sigguard.Claim{Who: who, Level: level, Signals: sigs, Handle: nop})
}

// A signal goes to the newest claim of the highest level that takes it;
// releasing, in any order, gives it to the best claim left.
func TestOwnerOfLevelsAndNesting(t *testing.T) {
	term := sigguard.SIGTERM
	guest := own("guest", sigguard.LevelFallback, os.Interrupt)
	run := own("loop.Run", sigguard.LevelOwner, os.Interrupt, term)
	repl := own("repl", sigguard.LevelShield, os.Interrupt)
	runtime := own("runtime", sigguard.LevelOwner, os.Interrupt, term)
	guest2 := own("guest 2", sigguard.LevelFallback, os.Interrupt)
	steps := []struct {
		name     string
		release  func()
		wantInt  string
		wantTerm string
	}{
		{"all claimed: the shield wins SIGINT, the newest owner SIGTERM", nil, "repl", "runtime"},
		{"the shield leaves: the newest owner", repl, "runtime", "runtime"},
		{"the outer owner leaves first", run, "runtime", "runtime"},
		{"the last owner leaves: the newest fallback", runtime, "guest 2", ""},
		{"the newer fallback leaves", guest2, "guest", ""},
		{"nobody", guest, "", ""},
	}
	for _, s := range steps {
		if s.release != nil {
			s.release()
		}
		if got := sigguard.OwnerOf(os.Interrupt); got != s.wantInt {
			t.Errorf("%s: OwnerOf(SIGINT) = %q, want %q", s.name, got, s.wantInt)
		}
		if got := sigguard.OwnerOf(term); got != s.wantTerm {
			t.Errorf("%s: OwnerOf(SIGTERM) = %q, want %q", s.name, got, s.wantTerm)
		}
	}
	guest()              // idempotent
	goleak.VerifyNone(t) // the guard's goroutine ended with the last claim
}

func TestOwnMisusePanics(t *testing.T) {
	tests := []struct {
		name string
		give sigguard.Claim
		want string
	}{
		{"nil handle", sigguard.Claim{Signals: []os.Signal{os.Interrupt}}, "sigguard: Own: nil Handle"},
		{"no signals", sigguard.Claim{Handle: nop}, "sigguard: Own: no signals"},
		{"unguarded", sigguard.Claim{Signals: []os.Signal{os.Kill}, Handle: nop}, "is not a guarded signal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				v := recover()
				if s, _ := v.(string); !strings.Contains(s, tt.want) {
					t.Fatalf("Own(%+v) panicked with %v, want %q", tt.give, v, tt.want)
				}
			}()
			sigguard.Own(tt.give)
		})
	}
}

// The stop policy cancels on the first signal and escalates on the others.
func TestStopPolicy(t *testing.T) {
	var got []string
	rec := func(what string) func(os.Signal) {
		return func(sig os.Signal) { got = append(got, what+" "+sigguard.Name(sig)) }
	}
	h := sigguard.StopPolicy(rec("cancel"), rec("escalate"))
	h(sigguard.SIGTERM)
	h(os.Interrupt)
	h(os.Interrupt)
	again := sigguard.StopPolicy(rec("cancel"), nil)
	again(os.Interrupt)
	again(os.Interrupt)
	want := "cancel SIGTERM, escalate SIGINT, escalate SIGINT, cancel SIGINT, cancel SIGINT"
	if s := strings.Join(got, ", "); s != want {
		t.Fatalf("calls: %s\nwant:  %s", s, want)
	}
}
