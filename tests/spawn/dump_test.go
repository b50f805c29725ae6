//go:build unix

package spawn_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/tests/internal/poll"
)

// syncBuffer is a bytes.Buffer safe for the writers of dumps and child
// output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// SIGUSR1 to the root dumps the root's task tree, ending with its footer,
// then relays the signal to its child, whose own dump follows.
func TestSIGUSR1DumpsTreeParentFirst(t *testing.T) {
	var out syncBuffer
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "dumpee")
			if err != nil {
				return err
			}
			if _, err := echo.Run(ctx, p, "up?"); err != nil {
				return err
			}
			if err := syscall.Kill(syscall.Getpid(), syscall.SIGUSR1); err != nil {
				return err
			}
			if err := poll.InTask(ctx, "the child's dump", budget, func() bool { return strings.Contains(out.String(), "end-of-dumpee") }); err != nil {
				return err
			}
			return p.CancelActor(ctx)
		})
	}, actor.WithDumpOutput(&out), actor.WithChildOutput(&out))
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	root, child := strings.Index(s, "end-of-root"), strings.Index(s, "end-of-dumpee")
	if root < 0 || child < 0 || root > child {
		t.Fatalf("want the root's dump, then the child's; got footers at %d and %d:\n%s", root, child, s)
	}
	if !strings.Contains(s, "task tree:") {
		t.Errorf("no task tree in the dumps:\n%s", s)
	}
}
