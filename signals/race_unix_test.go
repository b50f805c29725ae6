//go:build unix

package signals_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/internal/sigguard"
	"github.com/hitchrt/hitch/loop"
	"github.com/hitchrt/hitch/signals"
)

var discard = slog.New(slog.DiscardHandler)

// handOver holds the parts that take turns owning SIGINT in the race
// test; each reports, by name, every SIGINT it handled.
type handOver struct {
	reports chan string
	wg      sync.WaitGroup // the goroutines driving loops
}

// guest starts a guest run on a loop of its own, with its SIGINT
// fallback on. Its main sleeps until interrupted: with absorb it reports
// each interrupt and sleeps again; without, the interrupt ends the run and
// the done callback, which runs after the run released its claim,
// reports it. cancel ends the run without a report; ended closes when the
// loop has stopped.
func (h *handOver) guest(name string, absorb bool) (cancel func(), ended <-chan struct{}) {
	l := loop.New(loop.WithLogger(discard))
	g, err := bridge.StartGuestRun(l, func(ctx context.Context) (struct{}, error) {
		for {
			err := sc.SleepForever(ctx)
			if absorb && errors.Is(err, sc.ErrInterrupted) {
				h.reports <- name
				continue
			}
			return struct{}{}, err
		}
	}, func(o bridge.Outcome[struct{}]) {
		if errors.Is(o.Err, sc.ErrInterrupted) {
			h.reports <- name
		}
		l.Stop()
	}, bridge.WithLogger(discard))
	if err != nil {
		panic(err)
	}
	done := make(chan struct{})
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer close(done)
		l.RunForever()
		l.Close()
	}()
	return g.Cancel, done
}

// run starts loop.Run with a main that waits until stop; a SIGINT it
// handles makes Run return an interrupted error, reported once Run (and
// so its claim) has ended.
func (h *handOver) run(name string) (stop func(), ended <-chan struct{}) {
	type started struct {
		l *loop.Loop
		f *loop.Future[struct{}]
	}
	st := make(chan started, 1)
	done := make(chan struct{})
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer close(done)
		err := loop.Run(func(ctx context.Context) error {
			l := loop.FromContext(ctx)
			f := loop.NewFuture[struct{}](l)
			st <- started{l, f}
			_, err := loop.Await(ctx, f)
			return err
		}, loop.WithLogger(discard))
		if errors.Is(err, loop.ErrInterrupted) {
			h.reports <- name
		}
	}()
	s := <-st // Run owns SIGINT from before main starts
	return func() { s.l.CallSoonThreadsafe(func() { s.f.SetResult(struct{}{}) }) }, done
}

// kind maps a claim's Who in the guard's trace to the name prefix of the
// part's reports.
func kind(who string) string {
	switch who {
	case "bridge guest run":
		return "guest"
	case "loop.Run":
		return "loop"
	}
	return who
}

// The race of the design: SIGINT ownership changes hands all the time
// between loop.Run, guest runs' fallbacks, runtime owners (Own) and REPL
// shields (ShieldSIGINT) while real SIGINTs arrive. Each signal is handled
// exactly once, by the part that owned SIGINT when the guard dispatched
// it. A base guest holds the fallback throughout, so no signal is ever in
// flight while nobody owns SIGINT.
func TestSIGINTHandOverRace(t *testing.T) {
	var tmu sync.Mutex
	var trace []sigguard.Event
	defer sigguard.SetTrace(func(e sigguard.Event) {
		tmu.Lock()
		trace = append(trace, e)
		tmu.Unlock()
	})()

	h := &handOver{reports: make(chan string, 64)}
	cancelBase, baseEnded := h.guest("guest base", true)

	stop := make(chan struct{})
	churned := make(chan map[string]int, 1)
	go func() { churned <- h.churn(stop) }()

	// At least minSIGINTs, and on until a SIGINT has reached each kind of
	// part (the churn is random), but no more than maxSIGINTs.
	const minSIGINTs, maxSIGINTs = 200, 5000
	var got []string
	reached := make(map[string]bool)
	for len(got) < minSIGINTs || (len(reached) < 4 && len(got) < maxSIGINTs) {
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-h.reports: // one signal at a time, so none coalesce
			got = append(got, r)
			reached[strings.Fields(r)[0]] = true
		case <-time.After(waitBound):
			t.Fatalf("SIGINT %d was not handled; handled so far: %q", len(got)+1, got)
		}
	}
	close(stop)
	started := <-churned
	cancelBase()
	<-baseEnded
	h.wg.Wait()
	close(h.reports)
	for r := range h.reports {
		t.Errorf("a report with no signal left to explain it: %q", r)
	}

	// Replay the trace: each delivery went to the owner of that moment,
	// and the i-th delivery is the i-th report.
	type live struct {
		id    uint64
		level sigguard.Level
		sigs  []os.Signal
	}
	var claims []live
	var delivered []string
	tmu.Lock()
	defer tmu.Unlock()
	for _, e := range trace {
		switch e.Kind {
		case sigguard.Claimed:
			claims = append(claims, live{e.ID, e.Level, e.Signals})
		case sigguard.Released:
			for i := range claims {
				if claims[i].id == e.ID {
					claims = append(claims[:i], claims[i+1:]...)
					break
				}
			}
		case sigguard.Delivered:
			var want *live
			for i := range claims {
				if c := &claims[i]; containsSig(c.sigs, e.Signal) && (want == nil || c.level >= want.level) {
					want = c
				}
			}
			if want == nil || want.id != e.ID {
				t.Errorf("delivery %d went to claim %d (%s), not to the owner of that moment", len(delivered)+1, e.ID, e.Who)
			}
			delivered = append(delivered, e.Who)
		case sigguard.Dropped:
			t.Errorf("a %s was dropped", sigguard.Name(e.Signal))
		}
	}
	if len(delivered) != len(got) {
		t.Fatalf("%d SIGINTs handled, %d delivered", len(got), len(delivered))
	}
	byKind := make(map[string]int)
	for i, who := range delivered {
		if r := got[i]; !strings.HasPrefix(r, kind(who)) {
			t.Errorf("SIGINT %d: delivered to %q, handled by %q", i+1, who, r)
		}
		byKind[strings.Fields(got[i])[0]]++
	}
	t.Logf("parts started: %v; SIGINTs handled by kind: %v", started, byKind)
	for _, k := range []string{"guest", "loop", "runtime", "repl"} {
		if byKind[k] == 0 {
			t.Errorf("no SIGINT of %d reached a %s: the race did not cover it", len(got), k)
		}
	}
}

func containsSig(sigs []os.Signal, sig os.Signal) bool {
	for _, s := range sigs {
		if s == sig {
			return true
		}
	}
	return false
}

// churn starts and ends parts at random until stop, keeping at most two of
// each kind, then ends the ones left and returns how many it started.
func (h *handOver) churn(stop <-chan struct{}) map[string]int {
	type part struct {
		end   func()
		ended <-chan struct{} // nil for claims, which end when end returns
	}
	parts := map[string][]part{}
	started := map[string]int{}
	prune := func(k string) {
		ps := parts[k][:0]
		for _, p := range parts[k] {
			select {
			case <-p.ended: // a signal ended it
			default:
				ps = append(ps, p)
			}
		}
		parts[k] = ps
	}
	kinds := []string{"guest", "loop", "runtime", "repl"}
	for {
		select {
		case <-stop:
			for _, k := range kinds {
				for _, p := range parts[k] {
					p.end()
					if p.ended != nil {
						<-p.ended
					}
				}
			}
			return started
		default:
		}
		k := kinds[rand.IntN(len(kinds))]
		prune(k)
		// A shield takes every SIGINT while it is up, and an owner every
		// SIGINT a shield leaves: end them more often than start them, so
		// that each kind owns SIGINT a fair share of the time.
		endOdds := 2
		if k == "repl" || k == "runtime" || k == "loop" {
			endOdds = 4
		}
		if len(parts[k]) == 2 || (len(parts[k]) > 0 && rand.IntN(endOdds) != 0) {
			i := rand.IntN(len(parts[k]))
			if k != "guest" { // a guest ends by a signal: see guest
				parts[k][i].end()
				if e := parts[k][i].ended; e != nil {
					<-e
				}
				parts[k] = append(parts[k][:i], parts[k][i+1:]...)
			}
		} else {
			started[k]++
			name := fmt.Sprint(k, " ", started[k])
			var p part
			switch k {
			case "guest":
				p.end, p.ended = h.guest(name, false)
			case "loop":
				p.end, p.ended = h.run(name)
			case "runtime":
				report := func(os.Signal) { h.reports <- name }
				p.end = signals.Own(name, report, report, quiet)
			case "repl":
				p.end = signals.ShieldSIGINT(name, func() { h.reports <- name }, quiet)
			}
			parts[k] = append(parts[k], p)
		}
		runtime.Gosched()
	}
}
