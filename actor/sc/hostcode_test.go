package sc_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/internal/gid"
)

// Code a driver vouches for with WithHostCode (a host task's coroutine, in
// a guest run) may make runner-owned calls, and blocking token calls from
// it fail instead of waiting for themselves. Here a helper goroutine plays
// that host code: the task waits for it, so the two never run at once.
func TestWithHostCode(t *testing.T) {
	if gid.Current() == 0 {
		t.Skip("no goroutine identity on this platform")
	}
	var host atomic.Uintptr
	onHost := func() bool { return gid.Current() == host.Load() }
	var putErr, syncErr error
	var got int
	err := sc.Run(func(ctx context.Context) error {
		in := sc.NewInbox[int](sc.CurrentTask(ctx).Runner(), 1)
		tk := sc.CurrentTask(ctx).Runner().Token()
		done := make(chan struct{})
		go func() {
			defer close(done)
			host.Store(gid.Current())
			putErr = in.Put(7)
			syncErr = tk.RunSync(func() error { return nil })
		}()
		<-done // the runner waits: the helper runs as host code would
		v, err := in.Receive(ctx)
		got = v
		return err
	}, sc.WithHostCode(onHost))
	if err != nil {
		t.Fatal(err)
	}
	if putErr != nil || got != 7 {
		t.Errorf("Put from vouched host code = %v, received %d; want nil, 7", putErr, got)
	}
	if !errors.Is(syncErr, sc.ErrInsideRunner) {
		t.Errorf("RunSync from vouched host code = %v; want ErrInsideRunner", syncErr)
	}
}
