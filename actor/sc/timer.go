package sc

import "github.com/hitchrt/hitch/internal/timerheap"

// expirer is what an entry of the runner's deadline heap wakes when it is
// due: a sleeping task, or a cancel scope whose deadline passed.
type expirer interface{ expire() }

// timer is one entry of the runner's deadline heap. Timers are embedded in
// their owner (Task.sleep, CancelScope.tm), so sleeping and setting
// deadlines allocate nothing.
type timer = timerheap.Entry[expirer]

// expire wakes a task whose sleep is over.
func (t *Task) expire() { t.r.reschedule(t, nil) }

// expire cancels a scope whose deadline passed.
func (s *CancelScope) expire() { s.deadlineExpired() }
