// Command uiloop embeds a guest run of hitch's structured-concurrency
// runtime in an event loop hitch did not write: a UI-style loop (ui.go)
// that owns its OS thread and renders a frame every 16 ms. The guest's
// tasks move and describe what is on screen by touching the UI's state
// directly, without locks: every guest task step runs as a callback on the
// UI thread, which the program checks at each step. Quitting (after
// -frames frames, or on Ctrl-C) cancels the guest and keeps the UI loop
// running until the guest has finished, and only then stops the loop.
//
// Run it with `go run ./examples/uiloop` (add -frames 0 and press Ctrl-C
// to quit by hand). It exits 0 after its frames, 130 after Ctrl-C and 143
// after SIGTERM (which quits the same way), as quickstart does. The check that every guest step ran on the UI thread
// reads OS thread ids, which it does on Linux only.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/signals"
)

// app is the guest's side of the program. UI thread only, like the ui.
type app struct {
	ui       *ui
	steps    int // guest task steps checked
	onThread int // of those, the steps that ran on the UI thread
}

func main() {
	frames := flag.Int("frames", 60, "quit after this many frames (0: only on Ctrl-C)")
	flag.Parse()
	fmt.Println("uiloop: a UI-style loop that hitch did not write, locked to its OS thread, hosts a guest run")
	fmt.Println("uiloop: two guest tasks move and describe the screen by touching the UI's state directly, without locks")
	fmt.Println("uiloop: quitting (after the frames, or Ctrl-C) cancels the guest; the loop runs until the guest has cleaned up")
	u := newUI()
	a := &app{ui: u}

	// The UI loop runs locked to its OS thread. The program owns the stop
	// signals (below), so the guest's SIGINT fallback is off.
	g, err := bridge.StartGuestRun(u, a.main, func(o bridge.Outcome[struct{}]) {
		fmt.Println("guest done:", o.Err) // on the UI thread; every guest task has returned
		u.stop()
	}, bridge.WithHostThreadLocked(), bridge.WithSIGINT(false))
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}

	// Quitting: cancel the guest, keep the loop running until done fires.
	quitting := false
	var stopSig os.Signal // the signal that asked to quit; UI thread only
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
	// Ctrl-C (SIGINT) and SIGTERM ask the UI to quit, on the UI thread, the
	// same way; the guest's cleanup is short, so a second signal changes
	// nothing. The claim goes through hitch's signal guard, the process's
	// one consumer of those signals.
	release := signals.Own("uiloop", func(sig os.Signal) {
		_ = u.RunSyncSoonThreadsafe(func() {
			if stopSig == nil {
				stopSig = sig
			}
			if sig == os.Interrupt {
				quit("Ctrl-C")
			} else {
				quit(signals.Name(sig))
			}
		})
	}, nil)
	u.run(16 * time.Millisecond)
	release()
	fmt.Println("ui loop stopped")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = g.Wait(ctx) // the run's helper goroutines have exited too
	if threadChecked {
		fmt.Printf("guest steps on the UI thread: %d/%d\n", a.onThread, a.steps)
	} else {
		fmt.Printf("guest steps: %d (thread ids are checked on Linux only)\n", a.steps)
	}
	switch {
	case err != nil:
		fmt.Println("error:", err)
		os.Exit(1)
	case a.onThread != a.steps || a.steps == 0:
		fmt.Println("error: a guest step ran off the UI thread, or none ran")
		os.Exit(1)
	case stopSig == os.Interrupt:
		fmt.Println("stopped by Ctrl-C")
		os.Exit(signals.ExitCode(stopSig)) // 130, as a shell reports a program ended by SIGINT
	case stopSig != nil:
		fmt.Println("stopped by", signals.Name(stopSig))
		os.Exit(signals.ExitCode(stopSig)) // 143 for SIGTERM
	}
}

// main is the guest's main task: two tasks that share the UI's state.
func (a *app) main(ctx context.Context) (struct{}, error) {
	return struct{}{}, sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
		a.check()
		n.StartSoon("animator", a.every(16*time.Millisecond, func() {
			a.ui.x = (a.ui.x + 1) % 80
		}))
		n.StartSoon("status", a.every(100*time.Millisecond, func() {
			a.ui.status = fmt.Sprintf("frame %d, x=%d", a.ui.frame, a.ui.x)
			fmt.Println("status:", a.ui.status)
		}))
		return nil
	})
}

// every returns a task that runs fn every d until cancelled.
func (a *app) every(d time.Duration, fn func()) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		name := sc.CurrentTask(ctx).Name()
		for {
			a.check()
			if err := sc.Sleep(ctx, d); err != nil {
				a.check()
				fmt.Printf("%s: cancelled, cleaning up\n", name)
				return err
			}
			a.check()
			fn() // no lock: this step runs on the UI thread
		}
	}
}

// check records whether the current guest task step runs on the UI thread.
func (a *app) check() {
	a.steps++
	if tid := threadID(); tid == a.ui.tid {
		a.onThread++
	} else {
		fmt.Printf("guest step on thread %d, not the UI thread %d\n", tid, a.ui.tid)
	}
}
