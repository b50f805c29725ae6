package loop_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hitchrt/hitch/loop"
)

func ExampleRun() {
	err := loop.Run(func(t *loop.Task) error {
		f := loop.Go(t.Loop(), "answer", func(t *loop.Task) (int, error) {
			return 42, t.Sleep(time.Millisecond)
		})
		v, err := loop.Await(t, f)
		fmt.Println("answer:", v)
		return err
	})
	fmt.Println("err:", err)
	// Output:
	// answer: 42
	// err: <nil>
}

func ExampleTask_Cancel() {
	loop.Run(func(t *loop.Task) error {
		worker := t.Loop().Spawn("worker", func(t *loop.Task) error {
			err := t.Sleep(time.Hour)
			fmt.Println("worker:", err)
			t.Sleep(time.Millisecond) // cleanup may await again
			fmt.Println("worker: cleaned up")
			return err
		})
		t.Yield() // let the worker start
		worker.Cancel()
		fmt.Println("main:", errors.Is(t.Await(worker), loop.ErrCancelled))
		return nil
	})
	// Output:
	// worker: loop: cancelled
	// worker: cleaned up
	// main: true
}

func ExampleSubmit() {
	l := loop.New()
	go func() {
		f := loop.Submit(l, func(t *loop.Task) (string, error) { return "from the loop", nil })
		v, _ := f.Wait(context.Background())
		fmt.Println(v)
		l.Stop()
	}()
	l.RunForever()
	l.Close()
	// Output: from the loop
}
