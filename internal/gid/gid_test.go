package gid

import (
	"runtime"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func supported() bool { return runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64" }

// The identity is stable within a goroutine (across calls, stack growth and
// rescheduling) and differs between goroutines alive at the same time.
func TestCurrent(t *testing.T) {
	if !supported() {
		if Current() != 0 {
			t.Fatal("unsupported architecture must report 0")
		}
		t.Skip("no goroutine identity on " + runtime.GOARCH)
	}
	me := Current()
	if me == 0 {
		t.Fatal("Current() = 0")
	}
	if growStack(200) != me {
		t.Fatal("identity changed after the stack grew")
	}
	runtime.Gosched()
	if Current() != me {
		t.Fatal("identity changed after rescheduling")
	}
	const n = 50
	ids := make([]uintptr, n)
	var started, release sync.WaitGroup
	started.Add(n)
	release.Add(1)
	var done sync.WaitGroup
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			ids[i] = Current()
			started.Done()
			release.Wait() // all alive at once
			if Current() != ids[i] {
				t.Error("identity changed within a goroutine")
			}
		}()
	}
	started.Wait()
	release.Done()
	done.Wait()
	seen := map[uintptr]bool{me: true}
	for _, id := range ids {
		if seen[id] {
			t.Fatal("two live goroutines share an identity")
		}
		seen[id] = true
	}
}

func growStack(n int) uintptr {
	var pad [64]byte
	if n == 0 {
		return Current() + uintptr(pad[0])
	}
	return growStack(n - 1)
}

func BenchmarkCurrent(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Current()
	}
}
