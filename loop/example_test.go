package loop_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hitchrt/hitch/loop"
)

// Run drives a new loop until main returns; tasks started with Go run
// concurrently with it, and Gather waits for several at once.
func ExampleRun() {
	err := loop.Run(func(ctx context.Context) error {
		l := loop.FromContext(ctx)
		square := func(n int) *loop.Future[int] {
			return loop.Go(l, "square", func(ctx context.Context) (int, error) {
				return n * n, loop.Sleep(ctx, time.Duration(n)*time.Millisecond)
			})
		}
		a, b := square(2), square(3)
		if err := loop.Gather(ctx, a, b); err != nil {
			return err
		}
		x, _ := a.Result()
		y, _ := b.Result()
		fmt.Println("sum of squares:", x+y)
		return nil
	})
	fmt.Println("err:", err)
	// Output:
	// sum of squares: 13
	// err: <nil>
}

func ExampleTask_Cancel() {
	loop.Run(func(ctx context.Context) error {
		worker := loop.FromContext(ctx).Spawn("worker", func(ctx context.Context) error {
			err := loop.Sleep(ctx, time.Hour)
			fmt.Println("worker:", err, "/ cause:", context.Cause(ctx))
			loop.Sleep(ctx, time.Millisecond) // cleanup may await again
			fmt.Println("worker: cleaned up")
			return err
		})
		loop.Yield(ctx) // let the worker start
		worker.CancelWithCause(errors.New("shutting down"))
		_, err := loop.Await(ctx, worker)
		fmt.Println("main:", errors.Is(err, loop.ErrCancelled))
		return nil
	})
	// Output:
	// worker: loop: cancelled / cause: shutting down
	// worker: cleaned up
	// main: true
}

func ExampleGoThreadsafe() {
	l := loop.New()
	go func() {
		f := loop.GoThreadsafe(l, "hello", func(ctx context.Context) (string, error) { return "from the loop", nil })
		v, _ := f.Wait(context.Background())
		fmt.Println(v)
		l.Stop()
	}()
	l.RunForever()
	l.Close()
	// Output: from the loop
}
