//go:build linux

// Package chaos_test is the whole-tree soak: a tree of about twenty actors,
// three levels below the root, streaming with their parents and with
// siblings found by name, while a seeded random schedule of faults hits
// them (signals, kills, cancels from the parent side, dead listeners,
// stalled readers) and the driver respawns what died. At the end it
// checks the runtime's promises and prints them as a table.
//
//	go test -race -run Soak ./tests/chaos/              # short soak, in CI
//	go test -run Soak ./tests/chaos/ -soak -v           # long soak, by hand
//	go test -run Soak ./tests/chaos/ -seed 1234 -v      # replay a seed
package chaos_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/tests/internal/proccheck"
)

var (
	seedFlag   = flag.Int64("seed", 0, "replay the soak with this seed (0 picks a fresh one)")
	soakFlag   = flag.Bool("soak", false, "run the long soak (about 1000 faults); also HITCH_SOAK=1")
	faultsFlag = flag.Int("faults", 0, "number of faults, overriding the short or long default")
	strictFlag = flag.Bool("strict", false, "fail on known, reported runtime bugs too")
)

// dirEnv names the soak's scratch directory in the environment, which every
// actor of the tree inherits: births, armed and run lifetime callbacks are
// files there, so they survive the process that wrote them.
const dirEnv = "HITCH_CHAOS_DIR"

func TestMain(m *testing.M) {
	recordBirth()
	actor.ChildMain()
	proccheck.Subreaper()
	goleak.VerifyTestMain(m, goleak.Cleanup(proccheck.Verify))
}

// recordBirth writes, in a process started as a sub-actor of a soak, the
// pid of the parent it was born to. The root is the subreaper of the tree,
// so an orphan becomes its child; the birth record is how the root tells
// an orphan (which it must reap, as init would) from one of its own
// sub-actors (which the runtime reaps).
func recordBirth() {
	dir := os.Getenv(dirEnv)
	if dir == "" || len(os.Args) < 2 || !strings.HasPrefix(os.Args[1], "-hitch-actor=") {
		return
	}
	_ = os.WriteFile(filepath.Join(dir, "birth", strconv.Itoa(os.Getpid())), []byte(strconv.Itoa(os.Getppid())), 0o600)
}

// birthParent returns the pid pid was born to, and false when it left no
// birth record.
func birthParent(dir string, pid int) (int, bool) {
	b, err := os.ReadFile(filepath.Join(dir, "birth", strconv.Itoa(pid)))
	if err != nil {
		return 0, false
	}
	ppid, err := strconv.Atoi(string(b))
	return ppid, err == nil
}

func mustMkdirs(dir string) error {
	for _, sub := range []string{"birth", "armed", "exit"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return fmt.Errorf("chaos: %w", err)
		}
	}
	return nil
}
