package loop

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A task finds its task and loop in its ctx, also through a derived ctx;
// a ctx of no task finds neither.
func TestContextFindsTaskAndLoop(t *testing.T) {
	l := newLoop(t)
	var self *Task
	err := runMain(t, l, func(ctx context.Context) error {
		self = CurrentTask(ctx)
		type key struct{}
		derived := context.WithValue(ctx, key{}, 1)
		if CurrentTask(derived) != self || FromContext(derived) != l || FromContext(ctx) != l {
			t.Error("a derived ctx does not lead back to the task and its loop")
		}
		if err := Sleep(derived, 0); err != nil {
			t.Errorf("Sleep through a derived ctx: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if self == nil || self.Name() != "main" {
		t.Fatalf("CurrentTask = %v", self)
	}
	//lint:ignore SA1012 a nil ctx is the misuse checked here
	if CurrentTask(context.Background()) != nil || FromContext(context.Background()) != nil || CurrentTask(nil) != nil {
		t.Fatal("a ctx of no task found one")
	}
}

// The task's ctx follows the task: live while it runs, cancelled with the
// cancel's cause (also for a context derived from it, at once), and
// cancelled once the task ended.
func TestContextCancelledWithCause(t *testing.T) {
	why := errors.New("user pressed stop")
	tests := []struct {
		name   string
		cancel func(*Task)
		want   error
	}{
		{"Cancel", func(w *Task) { w.Cancel() }, ErrCancelled},
		{"CancelWithCause", func(w *Task) { w.CancelWithCause(why) }, why},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLoop(t)
			var wctx, child context.Context
			var errInAwait, causeSeen error
			worker := l.Spawn("worker", func(ctx context.Context) error {
				wctx = ctx
				var cancel context.CancelFunc
				child, cancel = context.WithCancel(ctx)
				defer cancel()
				if ctx.Err() != nil {
					t.Error("ctx of a running task is already done")
				}
				errInAwait = Sleep(ctx, time.Hour)
				<-child.Done() // closed by the cancel itself, before this step
				causeSeen = context.Cause(ctx)
				return errInAwait
			})
			err := runMain(t, l, func(ctx context.Context) error {
				if err := Yield(ctx); err != nil {
					return err
				}
				tt.cancel(worker)
				_, err := Await(ctx, worker)
				return err
			})
			if !errors.Is(err, ErrCancelled) || !errors.Is(errInAwait, ErrCancelled) {
				t.Fatalf("worker = %v, its Sleep = %v; want ErrCancelled", err, errInAwait)
			}
			if !errors.Is(causeSeen, tt.want) || !errors.Is(context.Cause(child), tt.want) {
				t.Fatalf("cause = %v (derived: %v), want %v", causeSeen, context.Cause(child), tt.want)
			}
			if wctx.Err() != context.Canceled {
				t.Fatalf("ctx.Err() = %v, want context.Canceled", wctx.Err())
			}
		})
	}
}

// A task that ends without being cancelled has its ctx cancelled, so
// goroutines handed the ctx stop.
func TestContextEndsWithTask(t *testing.T) {
	l := newLoop(t)
	stopped := make(chan error, 1)
	err := runMain(t, l, func(ctx context.Context) error {
		go func() {
			<-ctx.Done()
			stopped <- context.Cause(ctx)
		}()
		return Yield(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case cause := <-stopped:
		if cause != context.Canceled {
			t.Fatalf("cause = %v, want context.Canceled", cause)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the ctx of an ended task is not done")
	}
}
