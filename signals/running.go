package signals

import (
	"bytes"
	"fmt"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/hitchrt/hitch/actor/sc"
)

// lastRunning says which task a runner that did not answer is running.
//
// sc says only whether a task step is running (Runner.InTaskStep), not
// which, so the name comes from the goroutine profile: a task's coroutine
// carries the pprof label "sc.task" with the task's name, and the running
// one is the labelled goroutine inside a task body that is not suspended
// in its coroutine's yield (a parked task is). Goroutines a task started
// inherit its label but run no task body, so they do not count. This reads
// frame names of sc and internal/coro; if those change, the answer
// degrades to "unknown", never to a wrong name.
func lastRunning(r *sc.Runner) string {
	if !r.InTaskStep() {
		return "none (no task step is running: the runner's driver is blocked outside task code, in host code or a token job)"
	}
	names := runningTaskNames()
	switch len(names) {
	case 0:
		return "unknown (a task step is running, but no goroutine is labelled as its task)"
	case 1:
		return fmt.Sprintf("%q (still running: it has not reached a checkpoint)", names[0])
	}
	return fmt.Sprintf("one of %q (each is running; several runners may share the process)", names)
}

const (
	taskBodyFrame  = "github.com/hitchrt/hitch/actor/sc.(*Task).body"
	coroYieldFrame = "github.com/hitchrt/hitch/internal/coro.(*Coro).Yield"
)

var taskLabel = regexp.MustCompile(`"sc\.task":"((?:[^"\\]|\\.)*)"`)

// runningTaskNames returns the names of tasks whose coroutine runs now.
// The profile prints labels Go-quoted: {"sc.task":"name"}.
func runningTaskNames() []string {
	var b bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&b, 1); err != nil {
		return nil
	}
	var names []string
	for _, group := range strings.Split(b.String(), "\n\n") {
		m := taskLabel.FindStringSubmatch(group)
		if m == nil || !strings.Contains(group, taskBodyFrame) || strings.Contains(group, coroYieldFrame) {
			continue
		}
		name, err := strconv.Unquote(`"` + m[1] + `"`)
		if err != nil {
			name = m[1]
		}
		names = append(names, name)
	}
	return names
}
