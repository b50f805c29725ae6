package sc

// Abandon ends a run that its driver will never tick again, because the
// host that drove it stopped running callbacks before the run finished
// (trio's "guest run got abandoned"). Every unfinished task's coroutine is
// stopped, innermost scopes first, so each task's pending checkpoint
// returns ErrRunFinished and its deferred code unwinds on the calling
// goroutine; pending and later Token calls fail with ErrRunFinished; the
// outcome becomes err. Abandon is for the driving side when no Tick runs;
// it is a no-op once the run has finished. Task code that ignores
// ErrRunFinished and loops on checkpoints keeps Abandon from returning.
func (r *Runner) Abandon(err error) {
	if r.finished {
		return
	}
	var live []*Task
	collectTasks(r.rootScope, &live)
	collectTasks(r.sysScope, &live)
	r.finished = true
	r.mainDone = true
	for _, t := range live {
		if t.co == nil || t.state == taskDone {
			continue
		}
		r.current.Store(t)
		t.co.Stop()
		r.current.Store(nil)
		t.state = taskDone
		t.co = nil
		t.fn = nil
	}
	r.runq = r.runq[:0]
	r.timers.Clear()
	r.finished = false // finish does the bookkeeping once
	r.intrReq.Store(false)
	r.intrAfter = false
	r.finish(err)
}

// collectTasks appends the tasks of s and of its inner scopes, innermost
// first and the scope's owner last, so children unwind before the tasks
// that wait for them.
func collectTasks(s *CancelScope, out *[]*Task) {
	for _, c := range s.children.All() {
		collectTasks(c, out)
	}
	owner := false
	for _, t := range s.tasks.All() {
		if t == s.owner {
			owner = true
			continue
		}
		*out = append(*out, t)
	}
	if owner {
		*out = append(*out, s.owner) // it waits for the others
	}
}
