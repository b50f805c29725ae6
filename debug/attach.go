package debug

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/hitchrt/hitch/actor/sc"
)

// AttachOption configures Attach.
type AttachOption interface{ applyAttach(*runtimeInfo) }

type attachOption func(*runtimeInfo)

func (f attachOption) applyAttach(r *runtimeInfo) { f(r) }

// ActorName names the actor the REPL header shows ("root" by default).
func ActorName(name string) AttachOption {
	return attachOption(func(r *runtimeInfo) { r.actor = name })
}

// WithLock replaces the process-local lock (NewLocalLock) with l, the
// tree-wide lock the actor runtime provides.
func WithLock(l StdioLock) AttachOption {
	return attachOption(func(r *runtimeInfo) { r.lock = l })
}

// ActorsCommand sets what the REPL's `actors` command prints: fn writes
// the actor tree to w. It runs on the REPL's goroutine, which is not the
// runner's. Without it the command prints "this actor only".
func ActorsCommand(fn func(w io.Writer) error) AttachOption {
	return attachOption(func(r *runtimeInfo) { r.actors = fn })
}

// runtimeInfo is what the debugger knows of one runner: its lock, its
// actor's name and the hooks. Attach sets it; a runner nobody attached gets
// the defaults on its first Pause.
type runtimeInfo struct {
	tok    *sc.Token
	runner *sc.Runner
	actor  string
	uid    string // the actor's uid, when an actor runtime attached
	lock   StdioLock
	actors func(w io.Writer) error
}

var (
	infoKey  = sc.NewKey[*runtimeInfo]("debug runtime")
	attached atomic.Pointer[runtimeInfo]
)

func defaultInfo(tok *sc.Token) *runtimeInfo {
	return &runtimeInfo{tok: tok, runner: tok.Runner(), actor: "root", lock: NewLocalLock()}
}

// Attach registers the runner behind tok as this process's runtime: the
// runner on which PauseFromSync from a plain goroutine schedules its lock
// task, and whose tasks' Pause uses the lock and names given by opts. The
// actor runtime calls it once when it starts (before any task pauses) and
// calls detach when it stops; detach is idempotent. Attach does not block.
// It fails with ErrAttached while another runtime is attached.
func Attach(tok *sc.Token, opts ...AttachOption) (detach func(), err error) {
	if tok == nil {
		panic("debug: Attach with a nil token")
	}
	info := defaultInfo(tok)
	for _, o := range opts {
		o.applyAttach(info)
	}
	if info.lock == nil {
		return nil, fmt.Errorf("debug: option WithLock: nil lock")
	}
	if !attached.CompareAndSwap(nil, info) {
		return nil, ErrAttached
	}
	infoKey.Set(info.runner, info)
	return func() { attached.CompareAndSwap(info, nil) }, nil
}

// infoOf returns the runtime info of ctx's runner, making the default one
// on first use; ctx belongs to a running task.
func infoOf(ctx context.Context, t *sc.Task) *runtimeInfo {
	if info, ok := infoKey.Value(ctx); ok {
		return info
	}
	info := defaultInfo(t.Runner().Token())
	infoKey.Set(t.Runner(), info)
	return info
}
