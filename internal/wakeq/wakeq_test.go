package wakeq

import (
	"errors"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestManyProducersEachItemOnce(t *testing.T) {
	var q Queue[int]
	const producers, each = 8, 10000
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := q.Push(p*each + i); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := make([]int, producers*each)
	var buf []int
	count := 0
	for count < producers*each {
		select {
		case <-q.Woken():
		case <-done:
		}
		got := q.Swap(buf)
		for _, v := range got {
			seen[v]++
			count++
		}
		clear(got)
		buf = got
	}
	for v, n := range seen {
		if n != 1 {
			t.Fatalf("item %d delivered %d times", v, n)
		}
	}
}

func TestCloseReturnsRestAndRefuses(t *testing.T) {
	var q Queue[string]
	q.Push("a")
	q.Push("b")
	rest := q.Close()
	if len(rest) != 2 || rest[0] != "a" || rest[1] != "b" {
		t.Fatalf("Close returned %v", rest)
	}
	if err := q.Push("c"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Push after Close = %v, want ErrClosed", err)
	}
	if q.Close() != nil || !q.Closed() {
		t.Fatal("second Close should return nil")
	}
}

func TestWakesFold(t *testing.T) {
	var q Queue[int]
	q.Wake()
	q.Wake()
	<-q.Woken()
	select {
	case <-q.Woken():
		t.Fatal("two wakes before a look should fold into one")
	default:
	}
}

func BenchmarkPushSwap(b *testing.B) {
	var q Queue[int]
	var buf []int
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		q.Push(i)
		if i%64 == 63 {
			buf = q.Swap(buf)
			clear(buf)
		}
	}
}
