package coro

import (
	"testing"

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
