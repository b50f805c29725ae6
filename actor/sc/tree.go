package sc

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"
)

// TreeNode is one node of a task-tree snapshot: the runner, a task, a
// nursery or a cancel scope. A snapshot is a copy: it does not change as
// the run goes on.
type TreeNode struct {
	// Kind is "runner", "task", "nursery" or "scope".
	Kind string
	// Name is the task's name (tasks), "system" for the scope holding the
	// tasks started through the Token, or empty.
	Name string
	// ID is the task's number (tasks only).
	ID uint64
	// State is "running", "runnable", "parked" or "done" (tasks only).
	State string
	// Wait names what a parked task waits on, one of:
	//
	//	"sleep"                 Sleep, SleepUntil
	//	"sleep forever"         SleepForever
	//	"event"                 Event.Wait
	//	"lock"                  Lock.Acquire
	//	"semaphore"             Semaphore.Acquire
	//	"channel send"          SendChannel.Send
	//	"channel receive"       ReceiveChannel.Receive
	//	"inbox receive"         Inbox.Receive
	//	"subscription receive"  Subscription.Receive
	//	"nursery"               OpenNursery waiting for its children (Start too)
	//	"goroutine"             ToGoroutine
	//	"all tasks blocked"     WaitAllTasksBlocked
	//
	// It is empty for tasks that are not parked.
	Wait string
	// Where is "file:line" of the user code where a parked or runnable
	// task is suspended (the first frame outside package sc).
	Where string
	// Shielded reports a shielded scope or nursery.
	Shielded bool
	// Cancelled reports a scope or nursery whose Cancel was called (or
	// whose deadline passed), and, on the main task, a cancelled run.
	Cancelled bool
	// Deadline is the deadline of a scope or nursery; zero for none.
	Deadline time.Time
	// Children are the nodes inside this one: a task's scopes and
	// nurseries, a scope's inner scopes, a nursery's tasks, in the order
	// they were entered or started.
	Children []*TreeNode
}

// Snapshot returns the task tree of the run: main's tree and the tasks
// started through the Token. Call it from a task or from the driving
// goroutine between ticks; plain goroutines call it through
// Token().RunSync.
func (r *Runner) Snapshot() *TreeNode {
	root := &TreeNode{Kind: "runner"}
	if r.main != nil && r.main.state != taskDone {
		root.Children = append(root.Children, r.taskNode(r.main))
	}
	if r.sys.tasks.Len() > 0 {
		sys := r.scopeNode(r.sysScope)
		sys.Name = "system"
		root.Children = append(root.Children, sys)
	}
	return root
}

// TaskTree returns the snapshot of the run that ctx's task belongs to; ctx
// must belong to the running task.
func TaskTree(ctx context.Context) (*TreeNode, error) {
	t, err := taskFrom(ctx, "TaskTree")
	if err != nil {
		return nil, err
	}
	return t.r.Snapshot(), nil
}

func (r *Runner) taskNode(t *Task) *TreeNode {
	n := &TreeNode{Kind: "task", Name: t.name, ID: t.id}
	switch {
	case r.current.Load() == t:
		n.State = "running"
	case t.state == taskParked:
		n.State = "parked"
		n.Wait = t.wait.String()
		t.probe()
		n.Where = userFrame(r.probeWhere[:])
	case t.state == taskDone:
		n.State = "done"
	default:
		n.State = "runnable"
		t.probe()
		n.Where = userFrame(r.probeWhere[:])
	}
	if t.isMain {
		n.Cancelled = r.rootScope.cancelCalled
	}
	for _, s := range sortedScopes(t.base.children.All()) {
		if s.owner == t {
			n.Children = append(n.Children, r.scopeNode(s))
		}
	}
	return n
}

func (r *Runner) scopeNode(s *CancelScope) *TreeNode {
	n := &TreeNode{Kind: "scope", Shielded: s.shield, Cancelled: s.cancelCalled}
	if s.hasDeadline {
		n.Deadline = s.deadline
	}
	for _, c := range sortedScopes(s.children.All()) {
		if c.owner == s.owner {
			n.Children = append(n.Children, r.scopeNode(c))
		}
	}
	if s.nursery != nil {
		n.Kind = "nursery"
		tasks := slices.Clone(s.nursery.tasks.All())
		slices.SortFunc(tasks, func(a, b *Task) int { return int(a.id) - int(b.id) })
		for _, t := range tasks {
			n.Children = append(n.Children, r.taskNode(t))
		}
	}
	return n
}

func sortedScopes(ss []*CancelScope) []*CancelScope {
	out := slices.Clone(ss)
	slices.SortFunc(out, func(a, b *CancelScope) int { return int(a.seq) - int(b.seq) })
	return out
}

// userFrame returns file:line of the first frame outside sc's own code.
func userFrame(pcs []uintptr) string {
	n := 0
	for n < len(pcs) && pcs[n] != 0 {
		n++
	}
	if n == 0 {
		return ""
	}
	frames := runtime.CallersFrames(pcs[:n])
	var last runtime.Frame
	for {
		f, more := frames.Next()
		if !isRuntimeFrame(f.Function) {
			return fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		last = f
		if !more {
			break
		}
	}
	if last.File != "" {
		return fmt.Sprintf("%s:%d", last.File, last.Line)
	}
	return ""
}

func isRuntimeFrame(fn string) bool {
	return strings.HasPrefix(fn, "github.com/hitchrt/hitch/actor/sc.") ||
		strings.HasPrefix(fn, "github.com/hitchrt/hitch/internal/")
}

// String renders the tree one node per line, children in "|_" blocks:
//
//	runner
//	|_ task main #1 parked (nursery) at main.go:20
//	   |_ nursery
//	      |_ task worker #2 parked (sleep) at main.go:14
func (n *TreeNode) String() string {
	var b strings.Builder
	n.render(&b, "", true)
	return b.String()
}

func (n *TreeNode) render(b *strings.Builder, indent string, top bool) {
	if !top {
		b.WriteString(indent)
		b.WriteString("|_ ")
	}
	b.WriteString(n.label())
	b.WriteByte('\n')
	child := indent
	if !top {
		child += "   "
	}
	for _, c := range n.Children {
		c.render(b, child, false)
	}
}

func (n *TreeNode) label() string {
	var b strings.Builder
	b.WriteString(n.Kind)
	if n.Name != "" {
		b.WriteString(" " + n.Name)
	}
	if n.Kind == "task" {
		fmt.Fprintf(&b, " #%d %s", n.ID, n.State)
		if n.Wait != "" {
			fmt.Fprintf(&b, " (%s)", n.Wait)
		}
		if n.Where != "" {
			b.WriteString(" at " + n.Where)
		}
	}
	var flags []string
	if n.Shielded {
		flags = append(flags, "shielded")
	}
	if !n.Deadline.IsZero() {
		flags = append(flags, "deadline "+n.Deadline.Format(time.RFC3339Nano))
	}
	if n.Cancelled {
		flags = append(flags, "cancelled")
	}
	if len(flags) > 0 {
		b.WriteString(" [" + strings.Join(flags, ", ") + "]")
	}
	return b.String()
}

// Walk calls fn for n and every node below it, depth first.
func (n *TreeNode) Walk(fn func(*TreeNode)) {
	fn(n)
	for _, c := range n.Children {
		c.Walk(fn)
	}
}
