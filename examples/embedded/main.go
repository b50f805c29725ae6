// Command embedded embeds hitch's actor runtime in an application that
// already owns its event loop: a UI-style loop (ui.go) that hitch did not
// write, locked to its OS thread, rendering a frame every 100 ms. The
// application starts a guest run on that loop, and the guest opens the root
// actor, starts a sub-actor "feed" (a child process of this same program)
// and streams updates from it. Every guest task step runs as a callback on
// the UI thread, so the root hands each update to the UI by writing the
// UI's state directly, and the loop never blocks: it keeps rendering frames
// while the stream runs and while the actor tree shuts down.
//
// Run it with `go run ./examples/embedded` (add -frames 0 and press Ctrl-C
// to quit by hand). It exits 0 after its frames, 130 after Ctrl-C and 143
// after SIGTERM; in every case the guest run completes first (the
// sub-actor is cancelled and reaped, lifetime callbacks run) while the UI
// loop keeps pumping it, and no process is left behind.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/signals"
)

const (
	frameEvery  = 100 * time.Millisecond
	updateEvery = 40 * time.Millisecond
	saveTime    = 300 * time.Millisecond // the feed's cleanup: a few frames long
)

// updates runs in the sub-actor: it streams an update every interval until
// it is cancelled. Its lifetime callback takes a few frames' time (saving
// state, say); the UI keeps rendering meanwhile.
var updates = actor.ContextFunc("updates", func(ctx context.Context, c *actor.Context[string, string], every time.Duration) (int, error) {
	a, err := actor.Current(ctx)
	if err != nil {
		return 0, err
	}
	a.OnExit(func(ctx context.Context) error {
		fmt.Println("feed: lifetime callback: saving state")
		err := sc.Sleep(ctx, saveTime) // the callback runs shielded
		fmt.Println("feed: lifetime callback: state saved")
		return err
	})
	if err := c.Started(ctx, fmt.Sprintf("streaming an update every %v", every)); err != nil {
		return 0, err
	}
	s, err := c.OpenStream(ctx, false)
	if err != nil {
		return 0, err
	}
	for i := 1; ; i++ {
		err := sc.Sleep(ctx, every)
		if err == nil {
			err = s.Send(ctx, fmt.Sprintf("update %d from pid %d", i, os.Getpid()))
		}
		if err != nil {
			fmt.Println("feed: cancelled, cleaning up")
			return i - 1, err
		}
	}
})

func main() {
	actor.ChildMain() // in the sub-actor, this serves "updates" and exits
	frames := flag.Int("frames", 30, "quit after this many frames (0: only on Ctrl-C)")
	flag.Parse()
	fmt.Println("embedded: a UI-style loop hitch did not write renders a frame every", frameEvery)
	fmt.Println("embedded: a guest run on that loop opens the root actor, which streams updates from a sub-actor (a child process) and hands them to the UI")
	fmt.Println("embedded: quitting (after the frames, Ctrl-C or SIGTERM) stops the actor tree while the UI keeps rendering, then the loop stops")

	u := newUI()
	u.text = "starting"
	g, err := bridge.StartGuestRun(u, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, guestMain(ctx, u)
	}, func(o bridge.Outcome[struct{}]) {
		// On the UI thread, once every guest task has returned.
		fmt.Println("guest done:", o.Err)
		u.stop()
	}, bridge.WithHostThreadLocked(), bridge.WithSIGINT(false))
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}

	// Quitting cancels the guest; the loop runs on until done fires. While
	// the root actor runs, it owns SIGINT and SIGTERM and stops the tree
	// itself; this claim, below it, covers the moments before and after.
	var stopSig os.Signal // UI thread only
	quitting := false
	quit := func(why string) {
		if !quitting {
			quitting = true
			fmt.Println("quit:", why)
			g.Cancel()
		}
	}
	u.onFrame = func() {
		if u.frame == *frames {
			quit(fmt.Sprint("after ", u.frame, " frames"))
		}
	}
	release := signals.Own("embedded", func(sig os.Signal) {
		_ = u.RunSyncSoonThreadsafe(func() {
			if stopSig == nil {
				stopSig = sig
			}
			quit(signals.Name(sig))
		})
	}, nil)
	u.run(frameEvery)
	release()
	fmt.Println("ui loop stopped")

	// The run's outcome, once its helper goroutines are gone too. A stop
	// signal the root actor took ends it with a *actor.StoppedError whose
	// Err is nil when the tree stopped cleanly.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = g.Wait(ctx)
	var se *actor.StoppedError
	if errors.As(err, &se) {
		stopSig, err = se.Signal, se.Err
	}
	switch {
	case err != nil:
		fmt.Println("error:", err)
		os.Exit(1)
	case stopSig == os.Interrupt:
		fmt.Println("stopped by Ctrl-C")
		os.Exit(signals.ExitCode(stopSig)) // 130, as a shell reports a program ended by SIGINT
	case stopSig != nil:
		fmt.Println("stopped by", signals.Name(stopSig))
		os.Exit(signals.ExitCode(stopSig)) // 143 for SIGTERM
	}
}

// guestMain is the guest's main task: the root actor, a sub-actor, and
// the stream between them. It runs on the UI thread, one step at a time
// between the UI's own callbacks and frames.
func guestMain(ctx context.Context, u *ui) error {
	return actor.OpenRoot(ctx, func(ctx context.Context, root *actor.Actor) error {
		root.OnExit(func(ctx context.Context) error {
			fmt.Println("root: lifetime callback")
			return nil
		})
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "feed")
			if err != nil {
				return err
			}
			fmt.Println("sub-actor feed started: child pid", p.PID())
			_, err = updates.Open(ctx, p, updateEvery, func(ctx context.Context, c *actor.Context[string, string], first string) error {
				fmt.Println("feed says:", first)
				s, err := c.OpenStream(ctx, false)
				if err != nil {
					return err
				}
				count := 0
				for update, err := range s.All(ctx) {
					if err != nil {
						u.text = fmt.Sprintf("stopping after %d updates", count)
						return err
					}
					// No lock and no posting: this step already runs on the UI thread.
					count++
					u.text = fmt.Sprintf("%d updates, latest %q", count, update)
				}
				return nil
			})
			return err
		})
	}, actor.WithName("embedded"))
}
