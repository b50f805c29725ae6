package sc_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/hitchrt/hitch/actor/sc"
)

func runnerOf(ctx context.Context) *sc.Runner { return sc.CurrentTask(ctx).Runner() }

// Values put by a task, by host code between ticks and by a RunSyncSoon
// function reach a parked receiver in order; a full inbox refuses a Put
// with ErrOverrun and queues nothing.
func TestInboxPutReceive(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		var got []int
		err := run(func(ctx context.Context) error {
			in := sc.NewInbox[int](runnerOf(ctx), 2)
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				n.StartSoon("receiver", func(ctx context.Context) error {
					for {
						v, err := in.Receive(ctx)
						if errors.Is(err, sc.ErrEndOfChannel) {
							return nil
						}
						if err != nil {
							return err
						}
						got = append(got, v)
					}
				})
				if err := sc.Checkpoint(ctx); err != nil { // the receiver parks
					return err
				}
				for _, v := range []int{1, 2} {
					if err := in.Put(v); err != nil {
						return err
					}
				}
				if err := in.Put(99); !errors.Is(err, sc.ErrOverrun) {
					return fmt.Errorf("Put on a full inbox: %v", err)
				}
				var step sc.Event
				put := func(v int) func() {
					return func() {
						if err := in.Put(v); err != nil {
							t.Errorf("Put(%d) from outside a task: %v", v, err)
						}
						step.Set()
					}
				}
				if err := sc.Checkpoint(ctx); err != nil { // the receiver drains
					return err
				}
				if !hostPost(ctx, put(3)) {
					put(3)()
				}
				if err := step.Wait(ctx); err != nil {
					return err
				}
				step = sc.Event{}
				if err := runnerOf(ctx).Token().RunSyncSoon(put(4)); err != nil {
					return err
				}
				if err := step.Wait(ctx); err != nil {
					return err
				}
				return in.Close(nil)
			})
		})
		if err != nil || fmt.Sprint(got) != "[1 2 3 4]" {
			t.Fatalf("err = %v, got %v", err, got)
		}
	})
}

// Close(err): receivers drain the queue, then get err; later Puts and
// Delivers fail; repeat calls are no-ops.
func TestInboxCloseDrains(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		boom := errors.New("source failed")
		err := run(func(ctx context.Context) error {
			in := sc.NewInbox[string](runnerOf(ctx), 4)
			in.Put("a")
			in.Put("b")
			if err := in.Close(boom); err != nil {
				return err
			}
			in.Close(errors.New("ignored"))
			var got []string
			for {
				v, err := in.Receive(ctx)
				if err != nil {
					if err != boom {
						return fmt.Errorf("end: %v, want the close error", err)
					}
					break
				}
				got = append(got, v)
			}
			if fmt.Sprint(got) != "[a b]" {
				return fmt.Errorf("drained %v", got)
			}
			if err := in.Put("c"); !errors.Is(err, sc.ErrClosedResource) {
				return fmt.Errorf("Put after Close: %v", err)
			}
			return sc.ToGoroutine(ctx, func(context.Context) error {
				if err := in.Deliver("d"); !errors.Is(err, sc.ErrClosedResource) {
					return fmt.Errorf("Deliver after Close: %v", err)
				}
				return nil
			}, false)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// Put, Close and Subscribe from a plain goroutine are refused; Receive
// from a task of another runner too.
func TestInboxRunnerOwned(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			in := sc.NewInbox[int](runnerOf(ctx), 1)
			err := sc.ToGoroutine(ctx, func(context.Context) error {
				if err := in.Put(1); !errors.Is(err, sc.ErrNotInTask) {
					return fmt.Errorf("Put from a goroutine: %v", err)
				}
				if err := in.Close(nil); !errors.Is(err, sc.ErrNotInTask) {
					return fmt.Errorf("Close from a goroutine: %v", err)
				}
				if _, err := in.Subscribe(1); !errors.Is(err, sc.ErrNotInTask) {
					return fmt.Errorf("Subscribe from a goroutine: %v", err)
				}
				return sc.Run(func(other context.Context) error {
					if _, err := in.Receive(other); !errors.Is(err, sc.ErrNotInTask) {
						return fmt.Errorf("Receive from another runner's task: %v", err)
					}
					return nil
				})
			}, false)
			if err != nil {
				return err
			}
			if in.Len() != 0 {
				return errors.New("a refused Put queued a value")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// A cancelled receiver leaves the wait list: the next value goes to a
// receiver that is still there.
func TestInboxCancelledReceiver(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			in := sc.NewInbox[int](runnerOf(ctx), 1)
			var got int
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				var quitter sc.CancelScope
				n.StartSoon("quitter", func(ctx context.Context) error {
					return quitter.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
						_, err := in.Receive(ctx)
						return err
					})
				})
				n.StartSoon("stayer", func(ctx context.Context) error {
					v, err := in.Receive(ctx)
					got = v
					return err
				})
				if err := sc.Checkpoint(ctx); err != nil { // both park, quitter first
					return err
				}
				quitter.Cancel()
				if err := sc.Checkpoint(ctx); err != nil {
					return err
				}
				if err := in.Put(7); err != nil {
					return err
				}
				if err := sc.Checkpoint(ctx); err != nil {
					return err
				}
				if got != 7 {
					return fmt.Errorf("stayer got %d", got)
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// Fan-out: each subscription sees every value put after it subscribed;
// the first one also gets what the inbox still held. A full subscription
// loses the value, Put says so, the others get it, and the full one's
// receiver learns of the loss where it happened.
func TestInboxSubscriptions(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		err := run(func(ctx context.Context) error {
			in := sc.NewInbox[int](runnerOf(ctx), 4)
			in.Put(1)
			a, err := in.Subscribe(2)
			if err != nil {
				return err
			}
			if _, err := in.Receive(ctx); !errors.Is(err, sc.ErrClosedResource) {
				return fmt.Errorf("inbox Receive after Subscribe: %v", err)
			}
			b, err := in.Subscribe(8)
			if err != nil {
				return err
			}
			in.Put(2)
			if err := in.Put(3); !errors.Is(err, sc.ErrOverrun) {
				return fmt.Errorf("Put with a full subscription: %v", err)
			}
			drain := func(s *sc.Subscription[int], n int) string {
				var out []string
				for range n {
					v, err := s.Receive(ctx)
					var oe *sc.OverrunError
					switch {
					case errors.As(err, &oe):
						out = append(out, fmt.Sprintf("lost %d", oe.Lost))
					case err != nil:
						out = append(out, err.Error())
					default:
						out = append(out, fmt.Sprint(v))
					}
				}
				return fmt.Sprint(out)
			}
			if got := drain(a, 3); got != "[1 2 lost 1]" {
				return fmt.Errorf("a: %s", got)
			}
			in.Put(4)
			if got := drain(a, 1); got != "[4]" {
				return fmt.Errorf("a after the loss: %s", got)
			}
			if got := drain(b, 3); got != "[2 3 4]" {
				return fmt.Errorf("b: %s", got)
			}
			if err := b.Close(); err != nil {
				return err
			}
			if _, err := b.Receive(ctx); !errors.Is(err, sc.ErrClosedResource) {
				return fmt.Errorf("Receive after Subscription.Close: %v", err)
			}
			in.Put(5)
			in.Close(nil)
			if got := drain(a, 2); got != "[5 "+sc.ErrEndOfChannel.Error()+"]" {
				return fmt.Errorf("a at the end: %s", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// Deliver feeds an inbox from plain goroutines without blocking: a task
// receives every value, in order per goroutine; values beyond the room
// are lost and reported to the receiver; after the run Deliver fails.
func TestInboxDeliver(t *testing.T) {
	runAll(t, func(t *testing.T, run runFunc) {
		const perGoroutine, goroutines = 200, 3
		var in *sc.Inbox[[2]int]
		err := run(func(ctx context.Context) error {
			in = sc.NewInbox[[2]int](runnerOf(ctx), perGoroutine*goroutines)
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range perGoroutine {
						if err := in.Deliver([2]int{g, i}); err != nil {
							t.Errorf("Deliver: %v", err)
						}
					}
				}()
			}
			next := make([]int, goroutines)
			for range perGoroutine * goroutines {
				v, err := in.Receive(ctx)
				if err != nil {
					return err
				}
				if v[1] != next[v[0]] {
					return fmt.Errorf("goroutine %d: got %d, want %d", v[0], v[1], next[v[0]])
				}
				next[v[0]]++
			}
			wg.Wait()

			// Overrun: a small inbox that nobody drains while values arrive.
			small := sc.NewInbox[int](runnerOf(ctx), 2)
			err := sc.ToGoroutine(ctx, func(context.Context) error {
				for i := range 5 {
					if err := small.Deliver(i); err != nil {
						return err
					}
				}
				return nil
			}, false)
			if err != nil {
				return err
			}
			var got []string
			for range 3 {
				v, err := small.Receive(ctx)
				var oe *sc.OverrunError
				if errors.As(err, &oe) {
					got = append(got, fmt.Sprintf("lost %d", oe.Lost))
				} else if err != nil {
					return err
				} else {
					got = append(got, fmt.Sprint(v))
				}
			}
			if fmt.Sprint(got) != "[0 1 lost 3]" {
				return fmt.Errorf("overrun: got %v", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Deliver([2]int{}); !errors.Is(err, sc.ErrRunFinished) {
			t.Fatalf("Deliver after the run: %v", err)
		}
	})
}

// Put and TryReceive allocate nothing.
func TestInboxNoAllocs(t *testing.T) {
	err := sc.Run(func(ctx context.Context) error {
		in := sc.NewInbox[int](runnerOf(ctx), 8)
		allocs := testing.AllocsPerRun(100, func() {
			for i := range 8 {
				in.Put(i)
			}
			for range 8 {
				in.TryReceive()
			}
		})
		if allocs != 0 {
			return fmt.Errorf("%v allocations per run", allocs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// NewInbox and Subscribe panic on a capacity below 1.
func TestInboxBadCapacity(t *testing.T) {
	err := sc.Run(func(ctx context.Context) error {
		for _, f := range []func(){
			func() { sc.NewInbox[int](runnerOf(ctx), 0) },
			func() { sc.NewInbox[int](runnerOf(ctx), 1).Subscribe(-1) },
		} {
			if !panics(f) {
				return errors.New("no panic")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func panics(f func()) (did bool) {
	defer func() { did = recover() != nil }()
	f()
	return false
}
