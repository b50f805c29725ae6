// Command hang shows what to do when a run hangs. Its task "stuck" sleeps
// forever in a shielded cancel scope, so cancelling the run cannot end it,
// beside a "worker" that sleeps unshielded. Run it with
// `go run ./examples/hang`, then:
//
//   - kill -USR1 PID (the program prints its pid) dumps the task tree and
//     every goroutine's stack, ending with an end-of-actor footer line; the
//     tree shows where each task waits, and which scope is shielded;
//   - Ctrl-C (or SIGTERM) cancels the run gracefully: the worker cleans up,
//     the stuck task does not end, and after -grace the program gives up
//     on it and exits, as the actor runtime's reaper hard-kills a child
//     that does not end; a second Ctrl-C exits at once. It exits with the
//     status a shell gives the signal it gave up on: 130 for Ctrl-C, 143
//     for SIGTERM.
//
// This is one process; with the actor runtime the stuck task lives in a
// child actor, whose dump follows the root's.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/signals"
)

func main() {
	grace := flag.Duration("grace", time.Second, "how long the graceful cancel may take before the program gives up on it")
	flag.Parse()
	fmt.Println("hang: the task \"stuck\" sleeps forever in a shielded scope: cancelling the run cannot end it")
	fmt.Printf("hang: kill -USR1 %d dumps the task tree and goroutine stacks; Ctrl-C cancels, and gives up after %v\n", os.Getpid(), *grace)
	err := sc.Run(func(ctx context.Context) error {
		r := sc.CurrentTask(ctx).Runner()
		// The dump goes to stdout, in order with the program's own lines.
		releaseDump, err := signals.DumpOnSIGUSR1("hang", r.Token(), signals.WithOutput(os.Stdout))
		switch {
		case errors.Is(err, errors.ErrUnsupported):
			fmt.Println("hang: this system has no SIGUSR1; no dumps")
		case err != nil:
			return err
		default:
			defer releaseDump()
		}
		// The stop signals: cancel the run, and give up on it after the
		// grace period or at a second signal. These run on the signal
		// guard's goroutine, so they only queue work and start a timer.
		defer signals.Own("hang", func(sig os.Signal) {
			fmt.Printf("hang: %s: cancelling the run\n", signals.Name(sig))
			_ = r.Token().RunSyncSoon(r.Cancel)
			time.AfterFunc(*grace, func() {
				giveUp(sig, fmt.Sprintf("the run did not end within %v of the cancel", *grace))
			})
		}, func(sig os.Signal) {
			giveUp(sig, signals.Name(sig)+" again")
		})()
		return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
			n.StartSoon("worker", func(ctx context.Context) error {
				fmt.Println("worker: sleeping until cancelled")
				err := sc.SleepForever(ctx)
				fmt.Println("worker: cancelled, cleaning up")
				return err
			})
			n.StartSoon("stuck", func(ctx context.Context) error {
				return sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
					s.SetShield(true)
					fmt.Println("stuck: sleeping forever, shielded from cancellation")
					return sc.SleepForever(ctx)
				})
			})
			return nil
		})
	})
	fmt.Println("hang: the run ended:", err) // only if the stuck task ever ends
}

// giveUp ends the program without waiting for the stuck task, with the
// status a shell reports for sig.
func giveUp(sig os.Signal, why string) {
	fmt.Printf("hang: %s; exiting without the stuck task's cleanup\n", why)
	os.Exit(signals.ExitCode(sig))
}
