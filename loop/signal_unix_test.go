//go:build unix

package loop

import (
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
