package loop

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// L3: a task awaiting a future resumes with its value or error; cancelling
// the task makes the pending await return ErrCancelled, and the task may
// catch it, clean up (awaiting again) and return.
func TestAwaitFuture(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		resolve func(l *Loop, f *Future[int], waiter *Task)
		wantV   int
		wantErr error
	}{
		{"value", func(l *Loop, f *Future[int], _ *Task) { f.SetResult(7) }, 7, nil},
		{"error", func(l *Loop, f *Future[int], _ *Task) { f.SetError(boom) }, 0, boom},
		{"future cancelled", func(l *Loop, f *Future[int], _ *Task) { f.Cancel() }, 0, ErrCancelled},
		{"task cancelled", func(l *Loop, f *Future[int], w *Task) { w.Cancel() }, 0, ErrCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLoop(t)
			f := NewFuture[int](l)
			var v int
			var err error
			err2 := runMain(t, l, func(ctx context.Context) error {
				l.CallLater(time.Millisecond, func() { tt.resolve(l, f, CurrentTask(ctx)) })
				v, err = Await(ctx, f)
				return nil
			})
			if err2 != nil {
				t.Fatal(err2)
			}
			if v != tt.wantV || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Await = %v, %v; want %v, %v", v, err, tt.wantV, tt.wantErr)
			}
		})
	}
}

// L3: cancellation is edge-triggered: caught once, the task cleans up with
// a further await and returns its own result.
func TestCancelCatchCleanupReturn(t *testing.T) {
	l := newLoop(t)
	var trace []string
	worker := Go(l, "worker", func(ctx context.Context) (string, error) {
		err := Sleep(ctx, time.Hour)
		trace = append(trace, "sleep: "+errString(err))
		if err := Sleep(ctx, time.Millisecond); err != nil { // cleanup awaits again
			return "", err
		}
		trace = append(trace, "cleanup done")
		return "cleaned", nil
	})
	err := runMain(t, l, func(ctx context.Context) error {
		if err := Yield(ctx); err != nil {
			return err
		}
		if !worker.Task().Cancel() {
			t.Error("Cancel of a running task returned false")
		}
		v, err := Await(ctx, worker)
		trace = append(trace, "result: "+v+" "+errString(err))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "sleep: loop: cancelled|cleanup done|result: cleaned <nil>"
	if got := strings.Join(trace, "|"); got != want {
		t.Fatalf("trace %q, want %q", got, want)
	}
	if worker.Task().Cancel() {
		t.Fatal("Cancel of an ended task returned true")
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// Cancelling a task that awaits another task cancels that task and resumes
// only after it ended.
func TestCancelPropagatesToAwaitedTask(t *testing.T) {
	l := newLoop(t)
	var innerEnded bool
	inner := l.Spawn("inner", func(ctx context.Context) error {
		err := Sleep(ctx, time.Hour)
		Sleep(ctx, time.Millisecond)
		innerEnded = true
		return err
	})
	outer := l.Spawn("outer", func(ctx context.Context) error {
		_, err := Await(ctx, inner)
		if !innerEnded {
			t.Error("outer resumed before inner ended")
		}
		return err
	})
	err := runMain(t, l, func(ctx context.Context) error {
		Yield(ctx)
		outer.Cancel()
		_, err := Await(ctx, outer)
		return err
	})
	if !errors.Is(err, ErrCancelled) || !inner.Cancelled() || !outer.Cancelled() {
		t.Fatalf("err %v, inner cancelled %v, outer cancelled %v", err, inner.Cancelled(), outer.Cancelled())
	}
}

// A task cancelled before its first step never runs.
func TestCancelBeforeStart(t *testing.T) {
	l := newLoop(t)
	ran := false
	task := l.Spawn("never", func(context.Context) error { ran = true; return nil })
	task.Cancel()
	if err := l.RunUntilComplete(task); !errors.Is(err, ErrCancelled) || ran {
		t.Fatalf("err %v, ran %v", err, ran)
	}
}

// L4: cancelling a task awaiting a shielded future cancels the waiter, not
// the inner work.
func TestShield(t *testing.T) {
	l := newLoop(t)
	inner := Go(l, "inner", func(ctx context.Context) (int, error) {
		if err := Sleep(ctx, 5*time.Millisecond); err != nil {
			return 0, err
		}
		return 42, nil
	})
	waiter := Go(l, "waiter", func(ctx context.Context) (int, error) { return Await(ctx, Shield(inner)) })
	err := runMain(t, l, func(ctx context.Context) error {
		Yield(ctx)
		waiter.Cancel()
		if _, err := Await(ctx, waiter); !errors.Is(err, ErrCancelled) {
			t.Errorf("waiter: %v, want ErrCancelled", err)
		}
		if inner.Done() {
			t.Error("inner ended with the waiter")
		}
		v, err := Await(ctx, inner)
		if v != 42 || err != nil {
			t.Errorf("inner = %v, %v; want 42, nil", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Gather waits for all and joins their errors; cancelling the gatherer
// cancels every child.
func TestGather(t *testing.T) {
	boom := errors.New("boom")
	t.Run("all", func(t *testing.T) {
		l := newLoop(t)
		a := Go(l, "a", func(ctx context.Context) (int, error) { return 1, Sleep(ctx, 2*time.Millisecond) })
		b := Go(l, "b", func(ctx context.Context) (int, error) { return 0, boom })
		c := l.Spawn("c", func(ctx context.Context) error { return Yield(ctx) })
		err := runMain(t, l, func(ctx context.Context) error { return Gather(ctx, a, b, c) })
		if !errors.Is(err, boom) {
			t.Fatalf("Gather = %v, want boom", err)
		}
		if v, err := a.Result(); v != 1 || err != nil {
			t.Fatalf("a = %v, %v", v, err)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		l := newLoop(t)
		var kids []*Task
		for range 3 {
			kids = append(kids, l.Spawn("kid", func(ctx context.Context) error { return Sleep(ctx, time.Hour) }))
		}
		g := l.Spawn("gatherer", func(ctx context.Context) error {
			return Gather(ctx, kids[0], kids[1], kids[2])
		})
		err := runMain(t, l, func(ctx context.Context) error {
			Yield(ctx)
			g.Cancel()
			_, err := Await(ctx, g)
			return err
		})
		if !errors.Is(err, ErrCancelled) {
			t.Fatalf("gatherer: %v", err)
		}
		for i, k := range kids {
			if !k.Cancelled() {
				t.Fatalf("kid %d not cancelled: done %v err %v", i, k.Done(), k.Err())
			}
		}
	})
}

// WaitFor returns the value in time, or cancels and reports ErrTimeout.
func TestWaitFor(t *testing.T) {
	l := newLoop(t)
	err := runMain(t, l, func(ctx context.Context) error {
		fast := Go(l, "fast", func(ctx context.Context) (int, error) { return 1, Yield(ctx) })
		if v, err := WaitFor(ctx, fast, time.Hour); v != 1 || err != nil {
			t.Errorf("fast = %v, %v", v, err)
		}
		slow := Go(l, "slow", func(ctx context.Context) (int, error) { return 2, Sleep(ctx, time.Hour) })
		if _, err := WaitFor(ctx, slow, time.Millisecond); !errors.Is(err, ErrTimeout) {
			t.Errorf("slow = %v, want ErrTimeout", err)
		}
		if !slow.Task().Cancelled() {
			t.Error("slow task not cancelled by the timeout")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// GoThreadsafe runs a task from a plain goroutine, which waits with Wait.
func TestSubmitAndWait(t *testing.T) {
	l := newLoop(t)
	got := make(chan error, 1)
	go func() {
		f := GoThreadsafe(l, "submitted", func(ctx context.Context) (string, error) {
			return "hi", Sleep(ctx, time.Millisecond)
		})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		v, err := f.Wait(ctx)
		if v != "hi" {
			err = errors.Join(err, errors.New("value "+v))
		}
		got <- err
		l.Stop()
	}()
	watchdog := time.AfterFunc(10*time.Second, l.Stop)
	defer watchdog.Stop()
	l.RunForever()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

// L6: after the loop closes, CallSoonThreadsafe returns ErrClosed;
// callbacks queued before Close still run; tasks left running are stopped
// and reported; a goroutine waiting on a future is released.
func TestClose(t *testing.T) {
	var reports []string
	l := New(WithExceptionHandler(func(ec ExceptionContext) { reports = append(reports, ec.Message) }))
	ran := 0
	for range 3 {
		if err := l.CallSoonThreadsafe(func() { ran++ }); err != nil {
			t.Fatal(err)
		}
	}
	var sleepErr error
	l.Spawn("stuck", func(ctx context.Context) error {
		sleepErr = Sleep(ctx, time.Hour)
		return sleepErr
	})
	l.CallSoon(l.Stop)
	l.RunForever()
	f := NewFuture[int](l)
	waited := make(chan error, 1)
	go func() {
		_, err := f.Wait(context.Background())
		waited <- err
	}()
	if err := l.CallSoonThreadsafe(func() { ran++ }); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if ran != 4 {
		t.Fatalf("%d of 4 queued callbacks ran", ran)
	}
	if err := l.CallSoonThreadsafe(func() {}); !errors.Is(err, ErrClosed) {
		t.Fatalf("CallSoonThreadsafe after Close = %v", err)
	}
	if err := l.RunSyncSoonThreadsafe(func() {}); !errors.Is(err, ErrClosed) {
		t.Fatalf("RunSyncSoonThreadsafe after Close = %v", err)
	}
	if _, err := GoThreadsafe(l, "late", func(context.Context) (int, error) { return 0, nil }).Wait(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("GoThreadsafe after Close = %v", err)
	}
	if err := l.RunForever(); !errors.Is(err, ErrClosed) {
		t.Fatalf("RunForever after Close = %v", err)
	}
	if err := <-waited; !errors.Is(err, ErrClosed) {
		t.Fatalf("Wait on a pending future at Close = %v", err)
	}
	if !errors.Is(sleepErr, ErrCancelled) || !errors.Is(sleepErr, ErrClosed) {
		t.Fatalf("abandoned task's sleep = %v", sleepErr)
	}
	if strings.Join(reports, "|") != "loop: task abandoned at close" {
		t.Fatalf("reports %q", reports)
	}
	if l.Close() != nil {
		t.Fatal("second Close returned an error")
	}
	l.CallSoon(func() { t.Error("callback ran after Close") })
	if len(reports) != 2 || !strings.Contains(reports[1], "loop closed, callback not run") {
		t.Fatalf("CallSoon after Close not reported: %q", reports)
	}
}

// L7: a panic in a callback is reported with its stack and the loop goes
// on; a panic in a task becomes its error; a failed task nobody awaited is
// reported.
func TestPanics(t *testing.T) {
	var got []ExceptionContext
	l := newLoop(t, WithExceptionHandler(func(ec ExceptionContext) { got = append(got, ec) }))
	after := false
	l.CallSoon(func() { panic("callback boom") })
	l.CallSoon(func() { after = true })
	err := runMain(t, l, func(ctx context.Context) error {
		f := Go(l, "awaited", func(context.Context) (int, error) { panic("task boom") })
		_, err := Await(ctx, f)
		var pe *PanicError
		if !errors.As(err, &pe) || pe.Value != "task boom" || !strings.Contains(string(pe.Stack), "task_test.go") {
			t.Errorf("awaited panic = %v", err)
		}
		l.Spawn("lone", func(context.Context) error { panic("lone boom") })
		return Sleep(ctx, time.Millisecond)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !after {
		t.Fatal("callback after the panicking one did not run")
	}
	if len(got) != 2 {
		t.Fatalf("%d reports, want 2: %v", len(got), got)
	}
	var pe *PanicError
	if !errors.As(got[0].Err, &pe) || pe.Value != "callback boom" || !strings.Contains(string(pe.Stack), "task_test.go") {
		t.Fatalf("callback report %+v", got[0])
	}
	if !errors.As(got[1].Err, &pe) || pe.Value != "lone boom" || got[1].Task == nil || got[1].Task.Name() != "lone" {
		t.Fatalf("task report %+v", got[1])
	}
}

// A task error nobody retrieved is reported at Close.
func TestUnretrievedErrorReportedAtClose(t *testing.T) {
	var got []ExceptionContext
	l := New(WithExceptionHandler(func(ec ExceptionContext) { got = append(got, ec) }))
	boom := errors.New("boom")
	task := l.Spawn("failing", func(context.Context) error { return boom })
	l.RunUntilComplete(l.Spawn("waiter", func(ctx context.Context) error { return Sleep(ctx, time.Millisecond) }))
	if !task.Done() || len(got) != 0 {
		t.Fatalf("done %v, reports %v", task.Done(), got)
	}
	l.Close()
	if len(got) != 1 || !errors.Is(got[0].Err, boom) {
		t.Fatalf("reports at close %v", got)
	}
}

// Misuse: awaiting from outside the task's step, or another loop's
// future, is an ErrMisuse error; in debug mode CallSoon off the loop panics.
func TestMisuse(t *testing.T) {
	l := newLoop(t, WithDebug())
	other := New()
	defer other.Close()
	var captured context.Context
	err := runMain(t, l, func(ctx context.Context) error {
		captured = ctx
		if _, err := Await(ctx, NewFuture[int](other)); !errors.Is(err, ErrMisuse) || !strings.Contains(err.Error(), "another loop") {
			t.Errorf("foreign future: %v", err)
		}
		//lint:ignore SA1012 a nil ctx is the misuse checked here
		if _, err := Await(nil, NewFuture[int](l)); !errors.Is(err, ErrMisuse) {
			t.Errorf("nil ctx: %v", err)
		}
		if _, err := Await(context.Background(), NewFuture[int](l)); !errors.Is(err, ErrMisuse) {
			t.Errorf("ctx of no task: %v", err)
		}
		if _, err := Await(ctx, CurrentTask(ctx)); !errors.Is(err, ErrMisuse) {
			t.Errorf("self await: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := Sleep(captured, 0); !errors.Is(err, ErrMisuse) {
		t.Fatalf("Sleep outside the task's step: %v", err)
	}
}

// In debug mode, CallSoon from another goroutine while the loop runs (and
// is idle between batches) panics with a "loop:" message.
func TestDebugCallSoonOffLoop(t *testing.T) {
	l := newLoop(t, WithDebug())
	started := make(chan struct{})
	ended := make(chan error, 1)
	l.CallSoon(func() { close(started) })
	go func() { ended <- l.RunForever() }()
	<-started
	for !l.IsRunning() || l.inStep.Load() { // once idle, it stays idle
		time.Sleep(time.Millisecond)
	}
	func() {
		defer func() {
			p := recover()
			if s, _ := p.(string); !strings.HasPrefix(s, "loop: CallSoon") {
				t.Errorf("recovered %v", p)
			}
		}()
		l.CallSoon(func() {})
	}()
	l.Stop()
	if err := <-ended; err != nil {
		t.Fatal(err)
	}
}

// In debug mode, Future.Wait from a loop task returns ErrMisuse instead of
// blocking the loop; from a plain goroutine it works.
func TestDebugWaitOnLoop(t *testing.T) {
	l := newLoop(t, WithDebug())
	f := NewFuture[int](l)
	err := runMain(t, l, func(ctx context.Context) error {
		wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := f.Wait(wctx); !errors.Is(err, ErrMisuse) {
			t.Errorf("Wait from a task = %v, want ErrMisuse", err)
		}
		got := NewFuture[error](l)
		go func() {
			_, err := f.Wait(wctx)
			l.CallSoonThreadsafe(func() { got.SetResult(err) })
		}()
		f.SetResult(1)
		werr, err := Await(ctx, got)
		return errors.Join(werr, err)
	})
	if err != nil {
		t.Fatal(err)
	}
}
