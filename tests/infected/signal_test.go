//go:build unix

package infected_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/internal/progtest"
	"github.com/hitchrt/hitch/signals"
	"github.com/hitchrt/hitch/tests/internal/poll"
)

// SIGINT sent by the OS to an infected child: the child cancels itself,
// keeps its host loop running until its guest run has completed (its
// lifetime callback deletes the file, it leaves the registry) and tells
// its parent that it cancelled itself; then it exits. Whether the child
// waits in a guest task, in a host task, or in a shielded guest scope when
// the signal lands; and SIGTERM (the kill ladder's) does the same.
func TestChildSIGINT(t *testing.T) {
	for _, tc := range []struct {
		how string
		sig syscall.Signal
	}{
		{"idle", syscall.SIGINT},
		{"host", syscall.SIGINT},
		{"shielded", syscall.SIGINT},
		{"host", syscall.SIGTERM},
	} {
		how := tc.how
		t.Run(how+" "+signals.Name(tc.sig), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lifetime")
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			out := newOutput(t)
			var pid int
			err := runInfected(out, func(ctx context.Context, _ *actor.Actor, p *actor.Portal) error {
				pid = p.PID()
				_, err := lifetime.Open(ctx, p, []string{path, how}, func(ctx context.Context, c *actor.Context[int, int], _ int) error {
					if err := syscall.Kill(pid, tc.sig); err != nil {
						return err
					}
					return sc.SleepForever(ctx)
				})
				var cc *actor.ContextCancelled
				if !errors.As(err, &cc) || cc.Canceller != p.Peer() {
					t.Errorf("context after the child's signal: %v, want a ContextCancelled by the child", err)
				}
				if err := poll.InTask(ctx, "the child to exit", budget, func() bool { return !alive(pid) }); err != nil {
					return err
				}
				if _, err := actor.FindActor(ctx, "infected"); err == nil {
					t.Errorf("the registry still lists the child after it exited")
				}
				return nil
			})
			// A signalled child ends by itself: its nursery may report it.
			var ce *actor.ChildExitError
			if err != nil && !errors.As(err, &ce) {
				t.Fatal(err)
			}
			if exists(path) {
				t.Errorf("the child's lifetime callback did not delete %s", path)
			}
			if s := out.String(); strings.Contains(s, "abandoned") || strings.Contains(s, "level=ERROR") {
				t.Errorf("the child's teardown was not clean:\n%s", s)
			}
			progtest.WaitGone(t, pid)
		})
	}
}

// SIGINT to the parent instead: the whole tree ends, and the infected
// child's lifetime callback runs, with its host task running when the
// signal lands.
func TestParentSIGINT(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lifetime")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var pid int
	rootRan := false
	err := runInfected(childOutput(t), func(ctx context.Context, a *actor.Actor, p *actor.Portal) error {
		a.OnExit(func(context.Context) error { rootRan = true; return nil })
		pid = p.PID()
		_, err := lifetime.Open(ctx, p, []string{path, "host"}, func(ctx context.Context, c *actor.Context[int, int], _ int) error {
			// The root owns SIGINT: this reaches its cancel.
			if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
				return err
			}
			return sc.SleepForever(ctx)
		})
		return err
	})
	var stopped *actor.StoppedError
	if !errors.As(err, &stopped) || stopped.Signal != syscall.SIGINT {
		t.Fatalf("run after SIGINT: %v, want a *actor.StoppedError for SIGINT", err)
	}
	if exists(path) {
		t.Errorf("the infected child's lifetime callback did not delete %s", path)
	}
	if !rootRan {
		t.Errorf("the root's lifetime callback did not run")
	}
	progtest.WaitGone(t, pid)
}

// A guest that cannot complete (a task shielded forever) keeps the child
// alive after the first SIGINT, its host loop turning; a second SIGINT
// stops the loop, and the abandoned guest run is reported loudly, as a
// bridge.TranslationError, with a non-zero exit.
func TestChildCannotComplete(t *testing.T) {
	out := newOutput(t)
	var pid int
	err := runInfected(out, func(ctx context.Context, _ *actor.Actor, p *actor.Portal) error {
		pid = p.PID()
		_, err := stubborn.Open(ctx, p, 0, func(ctx context.Context, c *actor.Context[int, int], _ int) error {
			if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
				return err
			}
			if err := poll.InTask(ctx, "the child's first SIGINT", budget, func() bool { return strings.Contains(out.String(), "host loop interrupted") }); err != nil {
				return err
			}
			if !alive(pid) {
				t.Errorf("the child exited on the first SIGINT while a task was shielded")
			}
			return syscall.Kill(pid, syscall.SIGINT)
		})
		if err == nil {
			t.Errorf("the context ended without an error after its child was stopped")
		}
		return poll.InTask(ctx, "the child to exit", budget, func() bool { return !alive(pid) })
	})
	// The child's exit may be reported by its nursery, or not, when the
	// nursery's cancel came first: its status is in the log either way.
	var ce *actor.ChildExitError
	if err != nil && (!errors.As(err, &ce) || ce.Status != "exit status 1") {
		t.Fatalf("run: %v, want no error or a *actor.ChildExitError with exit status 1", err)
	}
	s := out.String()
	for _, want := range []string{"infected: the host loop stopped before the actor's guest run finished", "bridge: RunGuest: bridge: guest run abandoned", `msg="actor: sub-actor failed"`} {
		if !strings.Contains(s, want) {
			t.Errorf("the child's output lacks %q:\n%s", want, s)
		}
	}
	progtest.WaitGone(t, pid)
}
