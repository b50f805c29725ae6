//go:build unix

package spawn_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor"
)

// script writes an executable shell script standing in for a sub-actor
// binary that never connects back.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "child.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func startOne(t *testing.T, name string, opts ...actor.Option) error {
	t.Helper()
	return actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, name, opts...)
			if err != nil {
				return err
			}
			return p.CancelActor(ctx)
		})
	}, quiet(t))
}

// A child that dies before connecting back fails the start at once (not
// at the spawn timeout) with an error naming it, its exit status and the
// tail of its stderr.
func TestChildDiesBeforeConnecting(t *testing.T) {
	bin := script(t, "echo 'setting up' >&2\necho 'fatal: no config' >&2\nexit 3")
	err := startOne(t, "doomed", actor.WithBinary(bin), actor.WithSpawnTimeout(time.Hour))
	var se *actor.SpawnError
	if !errors.As(err, &se) || !errors.Is(err, actor.ErrSpawn) {
		t.Fatalf("got %v, want a SpawnError", err)
	}
	msg := err.Error()
	for _, want := range []string{`"doomed"`, "exit status 3", "fatal: no config", "setting up"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if se.Name != "doomed" || se.Status != "exit status 3" || se.PID == 0 {
		t.Errorf("SpawnError fields: %+v", se)
	}
}

// A child that neither connects nor dies is stopped at the spawn timeout,
// and the error says so.
func TestChildNeverConnects(t *testing.T) {
	bin := script(t, "exec sleep 60")
	err := startOne(t, "mute", actor.WithBinary(bin), actor.WithSpawnTimeout(200*time.Millisecond), actor.WithKillGrace(200*time.Millisecond))
	var se *actor.SpawnError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a SpawnError", err)
	}
	if !strings.Contains(err.Error(), "did not connect back within 200ms") {
		t.Errorf("error: %v", err)
	}
	waitGone(t, se.PID)
}

// A binary that cannot be run at all.
func TestNoSuchBinary(t *testing.T) {
	err := startOne(t, "ghost", actor.WithBinary(filepath.Join(t.TempDir(), "missing")))
	if !errors.Is(err, actor.ErrSpawn) || !strings.Contains(err.Error(), `"ghost"`) {
		t.Fatalf("got %v, want a SpawnError naming ghost", err)
	}
}
