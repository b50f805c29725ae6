// Package sc is hitch's structured-concurrency runtime, modelled on trio:
// tasks live in nurseries, a nursery waits for all of its children, errors
// propagate to the parent, and cancellation is scoped, level-triggered and
// can be shielded.
//
// # Tasks and checkpoints
//
// Every task is a coroutine (internal/coro) stepped by its Runner; a
// checkpoint (Checkpoint, Sleep, Event.Wait, Lock.Acquire, channel Send and
// Receive, ...) switches back to the runner. One runner never runs two task
// steps at once, so the tasks of one runner share memory without locks.
// Task functions are func(ctx context.Context) error. The ctx carries the
// task (CurrentTask) and its Done/Err follow the task's effective
// cancellation, so it can be handed to standard-library calls running in a
// goroutine started by ToGoroutine. Every blocking sc call takes that ctx
// first; called with a ctx of no task, or from outside the task's step, it
// returns an error matching ErrNotInTask at once.
//
// # Cancellation
//
// Every blocking call is a checkpoint: first a schedule point, then a
// cancel point (trio's order). A task that is cancelled still lets every
// other runnable task run before its call returns the cancellation, so a
// cancelled task polling in its cleanup cannot starve the others.
// A cancelled checkpoint returns an error matching ErrCancelled; return it
// unchanged and the CancelScope whose Cancel (or deadline) caused it
// absorbs it on exit. Nurseries collect errors into a *NurseryError
// (Unwrap() []error). A panic in a task becomes a *PanicError carrying the
// value and the task's stack, and cancels the task's siblings.
//
// # Scheduling
//
// A tick takes cross-goroutine wake-ups, expires deadlines, then runs one
// batch: the tasks runnable when the batch starts, in the order they
// became runnable (FIFO, deterministic; trio shuffles instead). Tasks made
// runnable during the batch run in the next tick. Checkpoint has no fast
// path: even with nothing else runnable it switches to the runner, which
// ends the tick. So a host loop driving the runner gets control back as
// long as tasks keep making blocking sc calls: each one switches to the
// runner, cancelled or not (a hand-off, below, may leave its switch to the
// task's next call).
// What no runtime can take back is a task that computes without calling
// sc: a coroutine is not preempted, so such a loop holds the tick (and a
// guest's host) until it calls sc. Where a task is parked costs nothing at
// park time: a snapshot (Runner.Snapshot, TaskTree) briefly resumes each
// suspended task to ask.
//
// # Hand-offs
//
// A channel Send that hands its value straight to a parked receiver (or a
// Receive that takes one straight from a parked sender) does not switch at
// once: the task owes the switch, and pays it at its next blocking call,
// for free when that call parks, or by switching when it would not. A
// task thus never runs more than one hand-off past a schedule point, and a
// request and its reply between two tasks cost one switch each, as they
// do between goroutines on Go channels (see BenchmarkPingPong).
//
// # Cost
//
// A task's coroutine comes from a pool of the run's finished tasks'
// coroutines, so starting a task allocates only the Task (about 240 bytes
// in all), and starting and joining tasks costs about what goroutines with
// a sync.WaitGroup do (BenchmarkStartJoin10k). Idle coroutines are given
// back (their goroutines end) after two garbage collections without use.
// A blocked task holds a goroutine stack, as a blocked goroutine does, plus
// about 470 bytes (a goroutine blocked on a channel: about 70): the Task
// (176), the coroutine's own state (48) and iter.Pull's (about 200), which
// is as far as the runtime's public coroutine API goes
// (BenchmarkBlockedMemory10k).
//
// # Host code and other goroutines
//
// Host code on the driving goroutine may touch sc objects between ticks
// (Event.Set, CancelScope.Cancel and SetDeadline, Semaphore.Release,
// channel Close, Nursery.StartSoon, Inbox.Put); each such change wakes a
// driver that is waiting in Runner.Wait. So may host code that runs on
// goroutines of its own but serialized with the driver, such as the steps
// of a host loop's coroutine tasks, once the driver vouches for it
// (WithHostCode; package bridge does for a *loop.Loop). Plain goroutines never touch sc
// objects directly: they go through the runner's Token (RunSync, Run),
// which runs the code inside the runner and waits for it, or queue code
// without waiting (Token.RunSyncSoon).
//
// A run carries values that every task reaches through its ctx and plain
// goroutines through the runner (Key, WithValue): the current actor,
// runtime settings, the guest run a task belongs to.
//
// A source fed by a goroutine (a socket's reader, a signal) reaches tasks
// through an Inbox: the goroutine calls Inbox.Deliver, which hands the
// value to the runner's next tick without blocking and without allocating;
// the task waiting in Inbox.Receive parks until then. No goroutine is
// started per wait, and the runner never blocks on the source. The
// TaskChannel of package actor/ipc is built this way.
//
// # Drivers
//
// Run drives a runner on the calling goroutine. The guest driver in package
// bridge drives the same scheduler from a host loop through NewRunner,
// Runner.Tick, Runner.Wait and Runner.Wake. Code outside the runner reaches
// in through the Runner's Token (RunSync, Run), from any goroutine. A task's
// coroutine is made at its first step, on the driving goroutine, and the
// runtime lets a coroutine be switched only under the OS-thread lock state
// it was made in: a driver may run locked to its thread
// (runtime.LockOSThread, as UI loops do), but must not lock or unlock it
// while the run is live.
//
// With WithInlineDrive, Run also lets the goroutine that has work for an
// idle runner drive it for a moment: Token.RunSyncNow and
// Inbox.DeliverNow run the job, and the task steps it wakes, on their
// caller's goroutine while Run's goroutine waits, which spares a message
// the hand-off between goroutines (Run's goroutine then must not be locked
// to its thread).
//
//	err := sc.Run(func(ctx context.Context) error {
//		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
//			n.StartSoon("worker", func(ctx context.Context) error {
//				return sc.Sleep(ctx, time.Second)
//			})
//			return nil
//		})
//	})
package sc
