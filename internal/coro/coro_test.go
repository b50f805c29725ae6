package coro

import (
	"runtime"
	"testing"

	"github.com/hitchrt/hitch/internal/gid"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestResumeYieldOrder(t *testing.T) {
	var trace []int
	c := New(func(c *Coro) {
		for i := range 3 {
			trace = append(trace, i)
			if !c.Yield() {
				return
			}
		}
	})
	steps := 0
	for !c.Resume() {
		steps++
		trace = append(trace, -1)
	}
	want := []int{0, -1, 1, -1, 2, -1}
	if len(trace) != len(want) {
		t.Fatalf("trace = %v, want %v", trace, want)
	}
	for i := range want {
		if trace[i] != want[i] {
			t.Fatalf("trace = %v, want %v", trace, want)
		}
	}
	if steps != 3 || !c.Done() || !c.Resume() {
		t.Fatalf("steps = %d, done = %v", steps, c.Done())
	}
}

func TestStopUnwindsSuspended(t *testing.T) {
	unwound := false
	c := New(func(c *Coro) {
		defer func() { unwound = true }()
		for c.Yield() {
		}
	})
	c.Resume()
	c.Stop()
	c.Stop()
	if !unwound || !c.Done() {
		t.Fatalf("unwound = %v, done = %v", unwound, c.Done())
	}
}

func TestStopBeforeStartNeverRuns(t *testing.T) {
	ran := false
	c := New(func(*Coro) { ran = true })
	c.Stop()
	if ran || !c.Resume() {
		t.Fatal("a stopped coroutine ran")
	}
}

func TestPanicResurfacesInResume(t *testing.T) {
	c := New(func(*Coro) { panic("boom") })
	defer func() {
		if r := recover(); r != "boom" {
			t.Fatalf("recovered %v, want boom", r)
		}
	}()
	c.Resume()
	t.Fatal("Resume returned after a panic")
}

func BenchmarkResumeYield(b *testing.B) {
	c := New(func(c *Coro) {
		for c.Yield() {
		}
	})
	defer c.Stop()
	b.ReportAllocs()
	for b.Loop() {
		c.Resume()
	}
}

// A pool runs the next function on a coroutine whose function returned:
// same goroutine, no new coroutine.
func TestPoolReuses(t *testing.T) {
	var p Pool
	defer p.Close()
	var ran []int
	var g1, g2 uintptr
	c := p.Get(Func(func(c *Coro) {
		g1 = gid.Current()
		ran = append(ran, 1)
		c.Yield()
		ran = append(ran, 2)
	}))
	if c.Resume() || !c.Resume() {
		t.Fatal("first function: wrong Resume results")
	}
	p.Put(c)
	c2 := p.Get(Func(func(*Coro) { g2 = gid.Current(); ran = append(ran, 3) }))
	if c2 != c || !c2.Resume() || g1 != g2 {
		t.Fatal("the idle coroutine was not reused")
	}
	p.Put(c2)
	if len(ran) != 3 || p.Idle() != 1 {
		t.Fatalf("ran %v, idle %d", ran, p.Idle())
	}
}

// A coroutine whose function panicked, or that was stopped, is not kept;
// one still running is stopped and its function unwinds.
func TestPoolRefusesBroken(t *testing.T) {
	var p Pool
	defer p.Close()
	c := p.Get(Func(func(*Coro) { panic("boom") }))
	func() {
		defer func() { recover() }()
		c.Resume()
	}()
	p.Put(c)
	unwound := false
	c2 := p.Get(Func(func(c *Coro) {
		defer func() { unwound = true }()
		for c.Yield() {
		}
	}))
	c2.Resume()
	p.Put(c2)
	if !unwound || p.Idle() != 0 {
		t.Fatalf("unwound %v, idle %d", unwound, p.Idle())
	}
}

// Idle coroutines are stopped after two garbage collections (goleak in
// TestMain checks that their goroutines end).
func TestPoolAgesAtGC(t *testing.T) {
	var p Pool
	defer p.Close()
	c := p.Get(Func(func(*Coro) {}))
	c.Resume()
	p.Put(c)
	for start := gcCycles.Load(); gcCycles.Load()-start < 3; {
		runtime.GC()
		runtime.Gosched()
	}
	p.Get(Func(func(*Coro) {})).Stop() // Get ages the pool first
	if p.Idle() != 0 || !c.stopped {
		t.Fatalf("idle %d after two collections", p.Idle())
	}
}

func BenchmarkPoolGetResumePut(b *testing.B) {
	var p Pool
	defer p.Close()
	fn := Func(func(*Coro) {})
	b.ReportAllocs()
	for b.Loop() {
		c := p.Get(fn)
		c.Resume()
		p.Put(c)
	}
}
