//go:build unix

package loop

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// Signal handlers run as loop callbacks; removal ends the forwarder.
func TestSignalHandler(t *testing.T) {
	l := newLoop(t)
	if err := l.AddSignalHandler(syscall.SIGUSR1, func() {
		if !l.inStep.Load() {
			t.Error("handler ran outside a loop batch")
		}
		l.Stop()
	}); err != nil {
		t.Fatal(err)
	}
	l.CallSoon(func() { syscall.Kill(syscall.Getpid(), syscall.SIGUSR1) })
	watchdog := time.AfterFunc(10*time.Second, func() { t.Error("no signal"); l.Stop() })
	defer watchdog.Stop()
	l.RunForever()
	if !l.RemoveSignalHandler(syscall.SIGUSR1) || l.RemoveSignalHandler(syscall.SIGUSR1) {
		t.Fatal("RemoveSignalHandler results wrong")
	}
	if err := l.AddSignalHandler(nil, func() {}); err == nil {
		t.Fatal("nil signal accepted")
	}
}

// A SIGINT handler set inside Run takes SIGINT from Run's policy until it
// is removed; then the policy has it again.
func TestSignalHandlerOverRunPolicy(t *testing.T) {
	handled := 0
	err := Run(func(ctx context.Context) error {
		l := FromContext(ctx)
		f := NewFuture[struct{}](l)
		if err := l.AddSignalHandler(os.Interrupt, func() {
			handled++
			f.SetResult(struct{}{})
		}); err != nil {
			return err
		}
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		if _, err := Await(ctx, f); err != nil {
			return err
		}
		if !l.RemoveSignalHandler(os.Interrupt) {
			t.Error("RemoveSignalHandler found no handler")
		}
		syscall.Kill(os.Getpid(), syscall.SIGINT) // now Run's: cancels main
		return Sleep(ctx, time.Hour)
	})
	var ie *InterruptedError
	if !errors.As(err, &ie) || ie.Signal != os.Interrupt || !errors.Is(err, ErrCancelled) || handled != 1 {
		t.Fatalf("Run = %v (handler ran %d times), want an interrupt by SIGINT after one run of the handler", err, handled)
	}
}
