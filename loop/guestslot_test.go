package loop_test

import (
	"context"
	"testing"

	"github.com/hitchrt/hitch/loop"
)

// OnLoop holds on the driving goroutine and in task steps (which run on
// coroutines of their own), not on other goroutines.
func TestOnLoop(t *testing.T) {
	var inCallback, inTask, afterAwait, plain bool
	err := loop.Run(func(ctx context.Context) error {
		l := loop.FromContext(ctx)
		inTask = l.OnLoop()
		done := loop.NewFuture[struct{}](l)
		l.CallSoon(func() {
			inCallback = l.OnLoop()
			done.SetResult(struct{}{})
		})
		if _, err := loop.Await(ctx, done); err != nil {
			return err
		}
		afterAwait = l.OnLoop()
		ch := make(chan bool)
		go func() { ch <- l.OnLoop() }()
		plain = <-ch
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !inCallback || !inTask || !afterAwait || plain {
		t.Errorf("OnLoop: callback %v, task %v, task after an await %v, plain goroutine %v; want true, true, true, false",
			inCallback, inTask, afterAwait, plain)
	}
}

// The guest slot holds one value, swapped only from what it holds.
func TestGuestSlot(t *testing.T) {
	l := loop.New()
	defer l.Close()
	a, b := new(int), new(int)
	if l.Guest() != nil {
		t.Fatal("a new loop's slot is not empty")
	}
	if !l.CompareAndSwapGuest(nil, a) || l.Guest() != a {
		t.Fatal("storing into the empty slot failed")
	}
	if l.CompareAndSwapGuest(nil, b) || l.CompareAndSwapGuest(b, nil) || l.Guest() != a {
		t.Fatal("a swap from a value the slot does not hold succeeded")
	}
	if !l.CompareAndSwapGuest(a, nil) || l.Guest() != nil {
		t.Fatal("emptying the slot failed")
	}
}
