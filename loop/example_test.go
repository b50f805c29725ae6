package loop_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hitchrt/hitch/loop"
)

func ExampleRun() {
	err := loop.Run(func(ctx context.Context) error {
		f := loop.Go(loop.FromContext(ctx), "answer", func(ctx context.Context) (int, error) {
			return 42, loop.Sleep(ctx, time.Millisecond)
		})
		v, err := loop.Await(ctx, f)
		fmt.Println("answer:", v) // answer: 42
		return err
	})
	fmt.Println("err:", err)
	// Output:
	// answer: 42
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
