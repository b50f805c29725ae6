package loop

import (
	"bytes"
	"runtime"
	"strconv"

	"github.com/hitchrt/hitch/internal/gid"
)

// goid returns the calling goroutine's id, parsed from its stack header.
// It costs about a microsecond, so only debug checks use it.
func goid() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseInt(string(b), 10, 64)
	return id
}

// onLoopGoroutine reports (debug mode only) whether the caller is the
// goroutine driving the loop or the coroutine of the task step running now.
// Steps of foreign coroutines run inside loop callbacks (a guest run) are
// not recognised: the check has no false positives, some false negatives.
func (l *Loop) onLoopGoroutine() bool {
	if l.state.Load() != stateRunning {
		return false
	}
	g := goid()
	return g == l.loopGID.Load() || g == l.taskGID.Load()
}

// OnLoop reports whether the caller runs on the loop: on the goroutine
// driving it (or closing it), or in the step of one of its tasks, which
// runs on a coroutine goroutine of its own. Code that is handed a loop's
// callbacks from outside (a guest run of package bridge) uses it to tell
// the loop's own code, which runs serialized with it, from other
// goroutines. Any goroutine; it costs a few nanoseconds and never
// allocates. Where goroutines cannot be told apart (internal/gid: other
// architectures than amd64 and arm64) it reports false.
func (l *Loop) OnLoop() bool {
	g := gid.Current()
	return g != 0 && (g == l.driverG.Load() || g == l.stepG.Load())
}
