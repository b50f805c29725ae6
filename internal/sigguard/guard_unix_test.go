//go:build unix

package sigguard_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hitchrt/hitch/internal/sigguard"
)

// waitBound only turns a hang into a failure; nothing is timed by it.
const waitBound = time.Minute

// kill sends sig to this process. The caller holds a claim of sig, so the
// default action (ending the test binary) cannot run.
func kill(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		t.Fatal(err)
	}
}

// recorder keeps the guard's trace.
type recorder struct {
	mu     sync.Mutex
	events []sigguard.Event
}

func (r *recorder) add(e sigguard.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// replay checks every delivery against a model of the claims built from
// the trace itself: each signal went to the claim that owned it then.
func (r *recorder) replay(t *testing.T) (delivered map[uint64]int, dropped int) {
	t.Helper()
	type model struct {
		id    uint64
		level sigguard.Level
		sigs  []os.Signal
	}
	var live []model
	delivered = make(map[uint64]int)
	for _, e := range r.events {
		switch e.Kind {
		case sigguard.Claimed:
			live = append(live, model{e.ID, e.Level, e.Signals})
		case sigguard.Released:
			for i, m := range live {
				if m.id == e.ID {
					live = append(live[:i], live[i+1:]...)
					break
				}
			}
		case sigguard.Delivered:
			var want uint64
			var best sigguard.Level
			for _, m := range live {
				for _, s := range m.sigs {
					if s == e.Signal && (want == 0 || m.level >= best) {
						want, best = m.id, m.level
					}
				}
			}
			if e.ID != want {
				t.Errorf("%s went to claim %d (%s), the owner then was claim %d", sigguard.Name(e.Signal), e.ID, e.Who, want)
			}
			delivered[e.ID]++
		case sigguard.Dropped:
			dropped++
		}
	}
	return delivered, dropped
}

// Ownership of SIGINT changes hands all the time between claims of every
// level while real signals arrive: each signal is handled exactly once,
// by the owner of the moment it was dispatched, and never by a claim
// whose release has returned.
func TestHandOverRacesDelivery(t *testing.T) {
	var rec recorder
	defer sigguard.SetTrace(rec.add)()

	handled := make(chan uint64, 1024)
	var mu sync.Mutex
	calls := make(map[uint64]int) // Handle calls per claim, seen by the claim
	var late atomic.Int32         // calls after release returned
	var names atomic.Int32
	claim := func(who string, level sigguard.Level) (release func()) {
		var id uint64
		var gone atomic.Bool
		var idOnce sync.Once
		ready := make(chan struct{})
		r := sigguard.Own(sigguard.Claim{Who: who, Level: level, Signals: []os.Signal{os.Interrupt}, Handle: func(os.Signal) {
			<-ready
			if gone.Load() {
				late.Add(1)
			}
			mu.Lock()
			calls[id]++
			mu.Unlock()
			handled <- id
		}})
		// The claim's id is in the trace's Claimed event of its name.
		rec.mu.Lock()
		for i := len(rec.events) - 1; i >= 0; i-- {
			if e := rec.events[i]; e.Kind == sigguard.Claimed && e.Who == who {
				idOnce.Do(func() { id = e.ID })
				break
			}
		}
		rec.mu.Unlock()
		close(ready)
		return func() { r(); gone.Store(true) }
	}

	// The base claim is held throughout, so no signal is ever in flight
	// while nobody owns SIGINT.
	base := claim("base", sigguard.LevelFallback)

	stop := make(chan struct{})
	var churners sync.WaitGroup
	levels := []sigguard.Level{sigguard.LevelFallback, sigguard.LevelOwner, sigguard.LevelShield}
	for range 4 {
		churners.Add(1)
		go func() {
			defer churners.Done()
			var held []func()
			for {
				select {
				case <-stop:
					for _, r := range held {
						r()
					}
					return
				default:
				}
				if len(held) < 3 && rand.IntN(2) == 0 {
					held = append(held, claim(fmt.Sprint("claim ", names.Add(1)), levels[rand.IntN(3)]))
				} else if len(held) > 0 {
					i := rand.IntN(len(held))
					held[i]()
					held = append(held[:i], held[i+1:]...)
				}
			}
		}()
	}

	const signals = 300
	for range signals {
		kill(t, syscall.SIGINT)
		select {
		case <-handled: // one signal at a time, so none coalesce
		case <-time.After(waitBound):
			t.Fatal("a SIGINT was not handled")
		}
	}
	close(stop)
	churners.Wait()
	base()
	close(handled)
	if extra := len(handled); extra != 0 {
		t.Errorf("%d signals handled twice", extra)
	}
	if n := late.Load(); n != 0 {
		t.Errorf("%d Handle calls after their claim's release returned", n)
	}
	delivered, dropped := rec.replay(t)
	total := 0
	for id, n := range delivered {
		total += n
		if calls[id] != n {
			t.Errorf("claim %d: %d deliveries, %d Handle calls", id, n, calls[id])
		}
	}
	if total != signals || dropped != 0 {
		t.Errorf("%d signals sent, %d delivered, %d dropped", signals, total, dropped)
	}
}

// A panicking Handle is logged and the guard keeps serving.
func TestHandlePanicIsLogged(t *testing.T) {
	var buf bytes.Buffer
	var bmu sync.Mutex
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(lockedWriter{&bmu, &buf}, nil)))
	defer slog.SetDefault(prev)

	got := make(chan string, 2)
	calls := 0 // Handle calls never overlap
	release := sigguard.Own(sigguard.Claim{Who: "boom", Level: sigguard.LevelOwner, Signals: []os.Signal{sigguard.SIGUSR1}, Handle: func(os.Signal) {
		calls++
		got <- "called"
		if calls == 1 {
			panic("boom")
		}
	}})
	defer release()
	for range 2 {
		kill(t, syscall.SIGUSR1)
		select {
		case <-got:
		case <-time.After(waitBound):
			t.Fatal("SIGUSR1 not handled")
		}
	}
	release()
	bmu.Lock()
	defer bmu.Unlock()
	if !strings.Contains(buf.String(), "sigguard: a signal handler panicked") || !strings.Contains(buf.String(), "boom") {
		t.Fatalf("log lacks the panic:\n%s", buf.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
