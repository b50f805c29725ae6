package ipc

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// runTasks runs main under sc.Run with taskRunOpts, failing t on an error.
func runTasks(t *testing.T, main func(ctx context.Context, r *sc.Runner) error) {
	t.Helper()
	err := sc.Run(func(ctx context.Context) error { return main(ctx, sc.CurrentTask(ctx).Runner()) }, taskRunOpts...)
	if err != nil {
		t.Fatal(err)
	}
}

// taskRunOpts are runTasks' options: none, or inline drive while
// TestTaskChannelInlineDrive runs the tests again.
var taskRunOpts []sc.Option

// closeFrom closes c off the runner (Close blocks).
func closeFrom(ctx context.Context, c *Channel) error {
	return sc.ToGoroutine(ctx, func(context.Context) error { return c.Close() }, false)
}

// TestTaskChannelEcho: both ends of a Channel in tasks of one runner; a
// request and its echo, a hundred times, then the end reaches the other
// side's Recv.
func TestTaskChannelEcho(t *testing.T) {
	a, b, _, _ := pair(t)
	runTasks(t, func(ctx context.Context, r *sc.Runner) error {
		ta, tb := ForTasks(a, r, 4), ForTasks(b, r, 4)
		var echoEnd error
		err := sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("echo", func(ctx context.Context) error {
				for {
					m, err := tb.Recv(ctx)
					if err != nil {
						echoEnd = err
						return nil
					}
					if err := tb.Send(ctx, m); err != nil {
						return err
					}
				}
			})
			for i := range 100 {
				if err := ta.Send(ctx, &msg.Stop{Cid: string(rune('a' + i%26))}); err != nil {
					return err
				}
				m, err := ta.Recv(ctx)
				if err != nil {
					return err
				}
				if s, ok := m.(*msg.Stop); !ok || s.Cid != string(rune('a'+i%26)) {
					t.Errorf("echo %d = %#v", i, m)
				}
			}
			return closeFrom(ctx, a)
		})
		var tc *TransportClosed
		if !errors.As(echoEnd, &tc) || tc.Cause != CausePeerEOF {
			t.Errorf("the echo task's end = %v; want a *TransportClosed for the peer's EOF", echoEnd)
		}
		if _, err := ta.Recv(ctx); !errors.As(err, &tc) {
			t.Errorf("Recv after Close = %v; want the *TransportClosed", err)
		}
		return err
	})
}

// fill sends frames of 16 KiB through tc until k are queued, counting
// them in *sent.
func fill(ctx context.Context, tc *TaskChannel, k int, sent *int) error {
	pld := append(msg.Raw{0xc5, 0x3f, 0xff}, make([]byte, 0x3fff)...)
	for *sent < k {
		if err := tc.Send(ctx, &msg.Yield{Cid: "flood", Pld: pld}); err != nil {
			return err
		}
		*sent++
	}
	return nil
}

// TestTaskChannelSendParksOnFullQueue: with the peer not reading, the
// writer stalls and the send queue fills; Send then parks its task while
// another task keeps running, and finishes once the peer reads again.
func TestTaskChannelSendParksOnFullQueue(t *testing.T) {
	a, b, _, _ := pair(t, WithSendQueue(64<<10))
	const k = 4000 // 64 MiB: more than socket buffers and the queue hold
	runTasks(t, func(ctx context.Context, r *sc.Runner) error {
		ta := ForTasks(a, r, 4)
		sent, steps, got := 0, 0, 0
		err := sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("sender", func(ctx context.Context) error { return fill(ctx, ta, k, &sent) })
			n.StartSoon("other", func(ctx context.Context) error {
				if err := sc.WaitAllTasksBlocked(ctx, 20*time.Millisecond); err != nil {
					return err
				}
				if sent >= k {
					t.Errorf("the sender sent all %d frames; the queue never filled", k)
				}
				for range 100 { // the runner still runs this task
					steps++
					if err := sc.Checkpoint(ctx); err != nil {
						return err
					}
				}
				tb := ForTasks(b, r, 64)
				for got < k {
					if _, err := tb.Recv(ctx); err != nil {
						return err
					}
					got++
				}
				return nil
			})
			return nil
		})
		if sent != k || got != k || steps != 100 {
			t.Errorf("sent %d, received %d, other task's steps %d; want %d, %d, 100", sent, got, steps, k, k)
		}
		return err
	})
}

// TestTaskChannelCancelParked: a Send parked on a full queue and a Recv
// parked on no messages both end with the task's cancellation.
func TestTaskChannelCancelParked(t *testing.T) {
	old := closeFlushTimeout
	closeFlushTimeout = 50 * time.Millisecond
	t.Cleanup(func() { closeFlushTimeout = old })
	a, _, _, _ := pair(t, WithSendQueue(64<<10))
	runTasks(t, func(ctx context.Context, r *sc.Runner) error {
		ta := ForTasks(a, r, 4)
		var sendErr, recvErr error
		sent := 0
		err := sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("sender", func(ctx context.Context) error {
				sendErr = fill(ctx, ta, 1<<30, &sent)
				return nil
			})
			n.StartSoon("receiver", func(ctx context.Context) error {
				_, recvErr = ta.Recv(ctx)
				return nil
			})
			if err := sc.WaitAllTasksBlocked(ctx, 20*time.Millisecond); err != nil {
				return err
			}
			n.CancelScope().Cancel()
			return nil
		})
		if !errors.Is(sendErr, sc.ErrCancelled) || !errors.Is(recvErr, sc.ErrCancelled) {
			t.Errorf("parked Send = %v, parked Recv = %v; want sc.ErrCancelled for both", sendErr, recvErr)
		}
		if err != nil {
			return err
		}
		return closeFrom(ctx, a)
	})
}

// TestForTasksMisuse: bad arguments panic; so does a second view.
func TestForTasksMisuse(t *testing.T) {
	a, _, _, _ := pair(t)
	r := sc.NewRunner(func(context.Context) error { return nil })
	for name, f := range map[string]func(){
		"nil Channel": func() { ForTasks(nil, r, 1) },
		"capacity 0":  func() { ForTasks(a, r, 0) },
		"twice":       func() { ForTasks(a, r, 1); ForTasks(a, r, 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	for !r.Tick().Finished {
	}
}

// TestTaskChannelInlineDrive runs the TaskChannel tests again with the
// reader goroutines driving the idle runner (sc.WithInlineDrive), the way
// Inbox.DeliverNow lets them.
func TestTaskChannelInlineDrive(t *testing.T) {
	taskRunOpts = []sc.Option{sc.WithInlineDrive()}
	defer func() { taskRunOpts = nil }()
	t.Run("Echo", TestTaskChannelEcho)
	t.Run("SendParksOnFullQueue", TestTaskChannelSendParksOnFullQueue)
	t.Run("CancelParked", TestTaskChannelCancelParked)
}
