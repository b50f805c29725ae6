//go:build unix

package spawn_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/tests/internal/poll"
)

// onExitThen registers a callback that writes the file named in its
// argument, then ends as asked: "return", "error" or "block".
var onExitThen = actor.Func("spawn.onExitThen", func(ctx context.Context, args []string) (int, error) {
	a, err := actor.Current(ctx)
	if err != nil {
		return 0, err
	}
	path, how := args[0], args[1]
	a.OnExit(func(ctx context.Context) error {
		return os.WriteFile(path, []byte("ran"), 0o600)
	})
	// Tell the test the callback is in place: a signal sent before this
	// would test nothing.
	if err := os.WriteFile(path+".armed", nil, 0o600); err != nil {
		return 0, err
	}
	switch how {
	case "error":
		return 0, errors.New("failing on purpose")
	case "block":
		return 0, sc.SleepForever(ctx)
	}
	return 0, nil
})

// Lifetime callbacks run at the actor's exit on every path: after a
// request returned or failed and the actor was cancelled, after a cancel
// that cut a request short, after SIGTERM and after SIGINT.
func TestOnExitEveryPath(t *testing.T) {
	for _, tc := range []struct {
		name, how string
		sig       syscall.Signal
	}{
		{"return", "return", 0},
		{"error", "error", 0},
		{"cancel", "block", 0},
		{"sigterm", "block", syscall.SIGTERM},
		{"sigint", "block", syscall.SIGINT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ran")
			err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
				return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
					p, err := n.StartActor(ctx, "mortal")
					if err != nil {
						return err
					}
					if tc.how != "block" {
						_, _ = onExitThen.Run(ctx, p, []string{path, tc.how})
						return p.CancelActor(ctx)
					}
					return sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
						sn.StartSoon("call", func(ctx context.Context) error {
							_, _ = onExitThen.Run(ctx, p, []string{path, tc.how})
							return nil
						})
						if _, err := echo.Run(ctx, p, "registered?"); err != nil {
							return err
						}
						if err := poll.InTask(ctx, "the callback armed", budget, armed(path)); err != nil {
							return err
						}
						if tc.sig == 0 {
							return p.CancelActor(ctx)
						}
						if err := syscall.Kill(p.PID(), tc.sig); err != nil {
							return err
						}
						return nil
					})
				})
			}, quiet(t))
			// A signalled child ends by itself: its nursery reports it.
			var ce *actor.ChildExitError
			if err != nil && !(tc.sig != 0 && errors.As(err, &ce)) {
				t.Fatal(err)
			}
			if b, err := os.ReadFile(path); err != nil || string(b) != "ran" {
				t.Errorf("callback did not run: %q, %v", b, err)
			}
		})
	}
}

// SIGINT to the root's own process cancels the whole tree gracefully: the
// child's lifetime callback runs, the child is gone, and OpenRoot returns
// an error matching sc.ErrInterrupted.
func TestRootSIGINTEndsTree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ran")
	var pid int
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "mortal")
			if err != nil {
				return err
			}
			pid = p.PID()
			return sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
				sn.StartSoon("call", func(ctx context.Context) error {
					_, _ = onExitThen.Run(ctx, p, []string{path, "block"})
					return nil
				})
				if err := poll.InTask(ctx, "the callback armed", budget, armed(path)); err != nil {
					return err
				}
				// The root owns SIGINT now: this reaches its cancel, not
				// the process's default action.
				if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
					return err
				}
				return sc.SleepForever(ctx)
			})
		})
	}, quiet(t))
	var stopped *actor.StoppedError
	if !errors.Is(err, sc.ErrInterrupted) || !errors.As(err, &stopped) || stopped.Signal != syscall.SIGINT {
		t.Fatalf("OpenRoot after SIGINT = %v, want a *actor.StoppedError for SIGINT matching sc.ErrInterrupted", err)
	}
	if b, rerr := os.ReadFile(path); rerr != nil || string(b) != "ran" {
		t.Errorf("the child's lifetime callback did not run: %q, %v", b, rerr)
	}
	waitGone(t, pid)
}

// armed reports whether onExitThen has registered its callback for path.
func armed(path string) func() bool {
	return func() bool {
		_, err := os.Stat(path + ".armed")
		return err == nil
	}
}
