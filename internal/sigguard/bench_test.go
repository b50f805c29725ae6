package sigguard_test

import (
	"os"
	"testing"

	"github.com/hitchrt/hitch/internal/sigguard"
)

// BenchmarkHandOver is one claim and release of SIGINT over a claim held
// throughout (what a REPL's shield or a nested loop.Run costs), and
// BenchmarkFirstClaim the same with nothing held, so that each claim
// starts the guard's goroutine and notifies SIGINT, and each release
// stops both.
func BenchmarkHandOver(b *testing.B) {
	defer own("base", sigguard.LevelFallback, os.Interrupt)()
	b.ReportAllocs()
	for b.Loop() {
		own("shield", sigguard.LevelShield, os.Interrupt)()
	}
}

func BenchmarkFirstClaim(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		own("first", sigguard.LevelOwner, os.Interrupt)()
	}
}
