// Package bridge runs an actor/sc structured-concurrency run as a guest of
// any host event loop (trio's guest mode), and lets host tasks and guest
// tasks call each other (tractor's to_asyncio).
//
// # Guest runs
//
// A host is anything with RunSyncSoonThreadsafe (*loop.Loop, or a foreign
// loop adapted in one line). StartGuestRun drives the sc scheduler from
// that host: every batch of guest task steps is one host callback, on the
// host's goroutine and OS thread, so guest tasks may touch host state
// without locks. A tick runs batches back to back for at most a slice of
// host time (WithTickSlice), so a guest with few busy tasks runs nearly as
// fast as under sc.Run while the host still gets a turn every slice. When
// every guest task waits, a waiter goroutine sleeps until the next deadline
// or wake-up, and only then hands the next tick to the host; the host never
// blocks on the guest. The host must let the run
// finish: to quit early, cancel the guest (Guest.Cancel) and keep the host
// running until the done callback has fired. A host that stops first
// abandons the run, loudly (ErrAbandoned).
//
// # Host and guest tasks
//
// With a *loop.Loop host, RunGuest runs a guest from a host task and waits
// for it, until the guest has finished even when the host task is
// cancelled. RunHostTask, OpenChannelFrom and RunGuestTaskInFuture cross
// between host tasks and guest tasks, translating errors and cancellation
// in both directions. Every function either side runs has the same shape:
// func(ctx context.Context) (T, error) (or error alone), with the ctx of
// the task it runs in: a loop task's on the host side, an sc task's on the
// guest side. When both sides fail, both errors come out, in the order
// they happened.
//
// OpenChannelFrom's guest side is an sc.Inbox of the guest's runner: the
// host puts values into it, guest tasks park on it, and GuestEnd.Subscribe
// fans it out into sc.Subscriptions. Overrun is per queue: Send fails on
// a full channel queue, and a subscription that falls behind loses values
// (and is told, with an *sc.OverrunError) without holding the others back.
//
// # Finding a guest
//
// A guest task finds its guest run through a run value (sc.Key) that every
// runner StartGuestRun makes carries, so RunHostTask and OpenChannelFrom
// need only the task's ctx. From the host side, GuestOf finds the guest of
// a host: a GuestHolder (*loop.Loop is one) keeps its guest itself; for
// other comparable hosts a table of live runs keyed by host is the one
// piece of process-wide state left, and a non-comparable host's guest
// cannot be found from the host at all.
package bridge
