// Package loop is hitch's host event loop, in the manner of Python's
// asyncio: callbacks, timers, futures, coroutine tasks and signal handlers,
// all run one at a time by the goroutine that drives the loop. State touched
// only from the loop needs no locks.
//
// # Driving
//
// Run(main) is the usual entry point (asyncio.run): it drives a new loop on
// the calling goroutine until main returns, cancels and finishes the other
// tasks, and closes the loop, with Python 3.11's SIGINT policy, which
// SIGTERM follows too. For finer control, New makes a loop,
// RunForever/RunUntilComplete drive it, Stop ends RunForever, and Close
// releases it.
//
//	err := loop.Run(func(ctx context.Context) error {
//		f := loop.Go(loop.FromContext(ctx), "answer", func(ctx context.Context) (int, error) {
//			return 42, loop.Sleep(ctx, 10*time.Millisecond)
//		})
//		v, err := loop.Await(ctx, f)
//		fmt.Println(v)
//		return err
//	})
//
// # Tasks and their context
//
// A task function is func(ctx context.Context) error (started with
// Loop.Spawn), or func(ctx context.Context) (T, error) when it has a value
// (started with Go, which returns a *Future[T]; GoThreadsafe from other
// goroutines). The ctx is the task's: every await takes it (Await, Sleep,
// Yield, Gather, WaitFor), CurrentTask and FromContext find the task and
// its loop in it, and it is cancelled when the task is cancelled (with the
// cause given to CancelWithCause) or has ended, so it can be handed to
// library code and goroutines. Handing it around allocates nothing: it is
// part of the task.
//
// # Who runs what
//
// Each turn takes the callbacks queued from other goroutines
// (CallSoonThreadsafe, the Host method RunSyncSoonThreadsafe, GoThreadsafe,
// signal handlers), moves due timers to the ready queue, and runs the callbacks that
// were ready when the turn began; what they queue runs next turn. A task is a
// coroutine (internal/coro): each step is a loop callback that resumes it, on
// the driving goroutine's OS thread, until its next await hands control back.
// Task code therefore runs on a coroutine goroutine, not the driving one, but
// never at the same time as any other callback of the loop.
//
// Methods documented "loop only" must be called from a callback or task step
// of the loop, or from the owning goroutine while the loop is not running.
// The rest are safe from any goroutine.
//
// # Cancellation
//
// Task.Cancel is asyncio's: edge-triggered, delivered once to the task's
// pending or next await as ErrCancelled. The task may catch it, clean up
// (awaiting again is allowed) and return. Its ctx stays cancelled, and
// context.Cause(ctx) says why. A cancelled task cancels what it
// awaits; Shield keeps inner work alive. Gather and WaitFor combine awaits.
//
// # Errors
//
// A panic in a callback is recovered with its stack (a *PanicError) and
// handed to the exception handler (WithExceptionHandler; by default it is
// logged with slog) and the loop continues. A panic in a task becomes the
// task's error; it is reported at once when nobody waits for the task. Task
// errors nobody retrieved are reported at Close. Close runs callbacks still
// queued and reports what it could not run: nothing is dropped silently.
//
// # Misuse checks
//
// Awaiting always checks that the ctx given is the one of the task whose
// step is running and that the future belongs to the same loop, and returns an error
// matching ErrMisuse otherwise. WithDebug adds checks to the loop-only
// methods. Because task code runs on coroutine goroutines, and guest-run
// steps on others still, goroutine identity cannot tell "on the loop" apart;
// the check is a heuristic instead: a loop-only call made while the loop is
// running but not executing a batch is off the loop, and panics with a
// "loop: ..." message. A stray call that coincides with a running batch goes
// unnoticed by this check; the race detector reports it.
package loop
