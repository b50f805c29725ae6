// Package poll waits, in the multi-process tests, for what no message
// reports: the process table, a file, a registry seen from outside. Every
// wait is bounded and names what it waited for when it gives up.
package poll

import (
	"context"
	"fmt"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// every is how often a condition is checked.
const every = 5 * time.Millisecond

// Until checks cond until it holds; after within it gives up with an error
// naming what. It may run on any goroutine but a task's.
func Until(what string, within time.Duration, cond func() bool) error {
	return UntilErr(what, within, func() (bool, error) { return cond(), nil })
}

// UntilErr is Until for a check that can fail: its error ends the wait.
func UntilErr(what string, within time.Duration, cond func() (bool, error)) error {
	return until(context.Background(), what, within, cond)
}

// InTask is Until for a task: it waits on an offloaded goroutine, so the
// task's runner keeps serving, and the end of ctx ends the wait.
func InTask(ctx context.Context, what string, within time.Duration, cond func() bool) error {
	return sc.ToGoroutine(ctx, func(ctx context.Context) error {
		return until(ctx, what, within, func() (bool, error) { return cond(), nil })
	}, false)
}

func until(ctx context.Context, what string, within time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(within)
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waited %v for %s", within, what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}
