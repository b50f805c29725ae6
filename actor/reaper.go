package actor

import (
	"context"
	"errors"
	"syscall"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
)

// stop ends the child and returns once its process has been reaped. The
// kill ladder, run once however many callers ask:
//
//  1. a graceful cancel request over the child's channel, acknowledged
//     within the cancel timeout; then up to the kill grace for the exit;
//  2. SIGTERM (the child cancels its runtime, as for the request); then up
//     to the kill grace again;
//  3. SIGKILL, with an error log line naming the child.
//
// Before each step the ladder waits while the child holds or waits for
// the tree's terminal (a debugger's REPL; see DebugHooks.WaitTerminal):
// a child being debugged is cancelled once its REPL has ended.
//
// A child that never connected skips step 1; one whose channel has
// already ended gets the grace for its exit before step 2. Later and
// concurrent callers wait for the same exit. stop is shielded from the caller's cancellation:
// a cancelled parent still never leaves a process behind. Task-only.
func (c *child) stop(ctx context.Context, why string) error {
	return shielded(ctx, func(ctx context.Context) error {
		c.cancelReq = true
		if c.stopping || c.exited {
			return c.exitEv.Wait(ctx)
		}
		c.stopping = true
		log := c.a.logger
		if c.waitTerminal(ctx, false) {
			return nil
		}
		if c.peer != nil && !c.peer.down {
			log.Log(ctx, LevelCancel, "actor: cancelling sub-actor", "actor", c.a.id.String(), "child", c.id.String(), "why", why)
			c.requestCancel(ctx)
			if c.waitExit(ctx, c.cfg.killGrace) {
				return nil
			}
		} else if c.peer != nil {
			// Its channel has ended: most likely it is on its way out (an
			// actor closes its channels last). Give it the grace first: a
			// SIGTERM now may be its second stop signal (Ctrl-C reaches a
			// whole tree at once), which exits at once, cutting its
			// teardown short.
			if c.waitExit(ctx, c.cfg.killGrace) {
				return nil
			}
		}
		if c.waitTerminal(ctx, true) {
			return nil
		}
		log.Log(ctx, LevelCancel, "actor: sending SIGTERM to sub-actor", "actor", c.a.id.String(), "child", c.id.String(), "pid", c.pid)
		_ = c.proc.Signal(syscall.SIGTERM)
		if c.waitExit(ctx, c.cfg.killGrace) {
			return nil
		}
		if c.waitTerminal(ctx, true) {
			return nil
		}
		log.Error("actor: sub-actor did not exit after cancel and SIGTERM; killing it", "actor", c.a.id.String(), "child", c.id.String(), "pid", c.pid, "grace", c.cfg.killGrace)
		_ = c.proc.Kill()
		return c.exitEv.Wait(ctx)
	})
}

// requestCancel sends the graceful cancel request and waits, up to the
// cancel timeout, for its acknowledgement (or for the channel to end).
func (c *child) requestCancel(ctx context.Context) bool {
	acked := c.a.requestAcked(ctx, c.peer, selfCancel, nil, c.cfg.cancelTimeout)
	if !acked {
		c.a.logger.Log(ctx, LevelCancel, "actor: sub-actor did not acknowledge the cancel request", "actor", c.a.id.String(), "child", c.id.String(), "timeout", c.cfg.cancelTimeout)
	}
	return acked
}

// waitExit waits up to d for the process to exit and reports whether it
// did.
func (c *child) waitExit(ctx context.Context, d time.Duration) bool {
	_ = sc.MoveOnAfter(ctx, d, func(ctx context.Context) error { return c.exitEv.Wait(ctx) })
	return c.exited
}

// supervise is the child's task in its actor nursery: it waits for the
// process to end. An exit nobody asked for fails the nursery with a
// *ChildExitError naming the child, which cancels its siblings; when the
// nursery is cancelled, it stops the child before returning.
func (c *child) supervise(ctx context.Context) error {
	err := c.exitEv.Wait(ctx)
	if err != nil {
		if serr := c.stop(ctx, "actor nursery cancelled"); serr != nil {
			return errors.Join(err, serr)
		}
		return err
	}
	if c.peer != nil {
		// The process is gone but its last messages may still be on their
		// way: let the channel's reader deliver them and report the loss
		// to the calls waiting on it (end-of-file follows at once) before
		// this failure cancels them.
		_ = sc.MoveOnAfter(ctx, time.Second, func(ctx context.Context) error { return c.chanDown.Wait(ctx) })
	}
	if c.cancelReq {
		return nil
	}
	c.a.logger.Warn("actor: sub-actor exited unexpectedly", "actor", c.a.id.String(), "child", c.id.String(), "pid", c.pid, "status", c.status)
	return &ChildExitError{Child: c.id, PID: c.pid, Status: c.status, StderrTail: c.out.lastLines()}
}
