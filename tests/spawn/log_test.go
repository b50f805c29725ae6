//go:build unix

package spawn_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
)

var (
	// logHello logs a record and prints a raw line on stderr.
	logHello = actor.Func("spawn.logHello", func(ctx context.Context, n int) (int, error) {
		slog.Info("hello from a sub-actor", "n", n, slog.Group("g", "ok", true))
		fmt.Fprintln(os.Stderr, "a raw line")
		return n, nil
	})

	// logHelloBelow starts a grandchild and has it run logHello.
	logHelloBelow = actor.Func("spawn.logHelloBelow", func(ctx context.Context, name string) (int, error) {
		var n int
		err := actor.OpenNursery(ctx, func(ctx context.Context, nn *actor.Nursery) error {
			g, err := nn.StartActor(ctx, name)
			if err != nil {
				return err
			}
			if n, err = logHello.Run(ctx, g, 2); err != nil {
				return err
			}
			return nn.Cancel(ctx)
		})
		return n, err
	})

	// hold reports started and waits until cancelled.
	hold = actor.ContextFunc("spawn.hold", func(ctx context.Context, c *actor.Context[int, int], _ int) (int, error) {
		if err := c.Started(ctx, 1); err != nil {
			return 0, err
		}
		return 0, sc.SleepForever(ctx)
	})
)

// attr returns the value of r's attribute key, as text, and whether it
// has one.
func attr(r slog.Record, key string) (string, bool) {
	var v string
	found := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v, found = a.Value.String(), true
		}
		return !found
	})
	return v, found
}

// A sub-actor's log records reach the root's handler as records, tagged
// with the name of the actor that logged them, from a grandchild too; its
// other stderr lines reach the child output, prefixed with the names of
// the actors they came through.
func TestChildLogsReachRootHandler(t *testing.T) {
	logs := &records{}
	var out syncBuffer
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			kid, err := n.StartActor(ctx, "kid")
			if err != nil {
				return err
			}
			if _, err := logHello.Run(ctx, kid, 1); err != nil {
				return err
			}
			if _, err := logHelloBelow.Run(ctx, kid, "grandkid"); err != nil {
				return err
			}
			return n.Cancel(ctx)
		})
	}, actor.WithLogger(slog.New(logs)), actor.WithChildOutput(&out))
	if err != nil {
		t.Fatal(err)
	}
	// The children have been reaped, their stderr read to the end.
	logs.mu.Lock()
	recs := logs.recs
	logs.mu.Unlock()
	hello := map[string]slog.Record{}
	for _, r := range recs {
		if r.Message == "hello from a sub-actor" {
			who, _ := attr(r, "actor")
			hello[who] = r
		}
	}
	for who, n := range map[string]int64{"kid": 1, "grandkid": 2} {
		r, ok := hello[who]
		if !ok {
			t.Errorf("no record of %s's hello at the root; records from actors: %v", who, hello)
			continue
		}
		if r.Level != slog.LevelInfo || r.Time.IsZero() {
			t.Errorf("%s's hello: level %v, time %v", who, r.Level, r.Time)
		}
		var gotN int64
		var group string
		r.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "n":
				gotN = a.Value.Int64()
			case "g":
				group = a.Value.String()
			}
			return true
		})
		if gotN != n || group != "[ok=true]" {
			t.Errorf("%s's hello: n=%d g=%s, want n=%d g=[ok=true]", who, gotN, group, n)
		}
	}
	text := out.String()
	for _, want := range []string{"[kid] a raw line\n", "[kid] [grandkid] a raw line\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("child output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "hello from a sub-actor") {
		t.Errorf("a log record reached the child output as text:\n%s", text)
	}
}

// atLeast is a handler that keeps the records at Info and above, as a
// program's handler at Info prints them.
type atLeast struct{ *records }

func (h atLeast) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

// A healthy tree is quiet at Info: spawning, calling (an endpoint error
// included, which its caller gets), a context cancelled by its opener, a
// cancelled call, a cancelled sub-actor and a cancelled grandchild log
// nothing at Info or above, in the root or in any sub-actor, and print
// nothing.
func TestHealthyTreeQuietAtInfo(t *testing.T) {
	logs := &records{}
	var out syncBuffer
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			kid, err := n.StartActor(ctx, "kid")
			if err != nil {
				return err
			}
			if _, err := echo.Run(ctx, kid, "hi"); err != nil {
				return err
			}
			var rae *actor.RemoteActorError
			if _, err := fail.Run(ctx, kid, "expected"); !errors.As(err, &rae) {
				return fmt.Errorf("fail: %v, want a RemoteActorError", err)
			}
			if _, err := hold.Open(ctx, kid, 0, func(ctx context.Context, c *actor.Context[int, int], _ int) error {
				c.Cancel(ctx)
				return nil
			}); err != nil {
				return err
			}
			if err := sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
				sn.StartSoon("blocked call", func(ctx context.Context) error {
					_, err := block.Run(ctx, kid, 0)
					return err
				})
				if _, err := echo.Run(ctx, kid, "the call is on its way"); err != nil {
					return err
				}
				sn.CancelScope().Cancel()
				return nil
			}); err != nil {
				return err
			}
			mid, err := n.StartActor(ctx, "mid")
			if err != nil {
				return err
			}
			return sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
				sn.StartSoon("grandchild", func(ctx context.Context) error {
					_, err := parentOf.Run(ctx, mid, "grandkid")
					return err
				})
				if _, err := actor.WaitForActor(ctx, "grandkid"); err != nil {
					return err
				}
				if err := mid.CancelActor(ctx); err != nil {
					return err
				}
				return kid.CancelActor(ctx)
			})
		})
	}, actor.WithLogger(slog.New(atLeast{logs})), actor.WithChildOutput(&out))
	var cc *actor.ContextCancelled
	if err != nil && !errors.As(err, &cc) {
		t.Fatal(err)
	}
	logs.mu.Lock()
	for _, r := range logs.recs {
		who, _ := attr(r, "actor")
		t.Errorf("logged at %v by %s: %s", r.Level, who, r.Message)
	}
	logs.mu.Unlock()
	if s := out.String(); s != "" {
		t.Errorf("printed:\n%s", s)
	}
}

// A tree stopped by Ctrl-C (SIGINT to the root and to its sub-actor, as a
// terminal sends it to the whole process group) says so once at Info, in
// the root; the sub-actor's stop is a routine event below Info.
func TestInterruptedTreeQuietAtInfo(t *testing.T) {
	logs := &records{}
	var out syncBuffer
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			kid, err := n.StartActor(ctx, "kid")
			if err != nil {
				return err
			}
			if _, err := echo.Run(ctx, kid, "hi"); err != nil {
				return err
			}
			for _, pid := range []int{os.Getpid(), kid.PID()} {
				if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
					return err
				}
			}
			return sc.SleepForever(ctx)
		})
	}, actor.WithLogger(slog.New(atLeast{logs})), actor.WithChildOutput(&out))
	if !errors.Is(err, sc.ErrInterrupted) {
		t.Fatalf("Run after SIGINT: %v, want an error matching sc.ErrInterrupted", err)
	}
	var cerr *actor.ChildExitError
	if errors.As(err, &cerr) {
		t.Errorf("the interrupted child's exit is reported as a failure: %v", err)
	}
	logs.mu.Lock()
	for _, r := range logs.recs {
		if who, _ := attr(r, "actor"); who != "" || !strings.Contains(r.Message, "SIGINT") {
			t.Errorf("logged at %v by %q: %s", r.Level, who, r.Message)
		}
	}
	if len(logs.recs) != 1 {
		t.Errorf("%d records at Info or above, want the root's one report of SIGINT", len(logs.recs))
	}
	logs.mu.Unlock()
	if s := out.String(); s != "" {
		t.Errorf("printed:\n%s", s)
	}
}
