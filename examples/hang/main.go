// Command hang shows what to do when an actor tree hangs. The root actor
// starts one sub-actor, "stuck", whose endpoint sleeps forever in a
// shielded cancel scope, so cancelling the tree cannot end it, and waits
// on it. Run it with `go run ./examples/hang`, then:
//
//   - kill -USR1 PID (the root's pid, which it prints) dumps the root's
//     task tree and goroutine stacks, ending with an end-of-actor footer,
//     then relays SIGUSR1 to the child, whose dump follows, prefixed with
//     "[stuck] ";
//   - Ctrl-C (or SIGTERM) cancels the tree gracefully: the child is asked
//     to cancel, does not end, gets SIGTERM, still does not end, and is
//     killed with SIGKILL and an error log line naming it; then the root
//     exits with the status a shell gives the signal: 130 for Ctrl-C, 143
//     for SIGTERM. A second Ctrl-C exits at once.
//
// With -unshielded the child sleeps unshielded: Ctrl-C then ends it
// gracefully, its lifetime callback runs, and nothing is killed.
//
// Everything (the root's log, its dump, the child's output) goes to
// standard output, so the order of events reads in one stream.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/signals"
)

// sleep is the child's endpoint: it sleeps until cancelled, or forever
// when shielded. Its lifetime callback says when the child ends cleanly.
var sleep = actor.Func("sleep", func(ctx context.Context, shielded bool) (string, error) {
	a, err := actor.Current(ctx)
	if err != nil {
		return "", err
	}
	a.OnExit(func(ctx context.Context) error {
		fmt.Printf("%s: lifetime callback: cleaning up\n", a.Name())
		return nil
	})
	if !shielded {
		fmt.Printf("%s: sleeping until cancelled (pid %d)\n", a.Name(), os.Getpid())
		err := sc.SleepForever(ctx)
		fmt.Printf("%s: cancelled\n", a.Name())
		return "", err
	}
	return "", sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
		s.SetShield(true)
		fmt.Printf("%s: sleeping forever, shielded from cancellation (pid %d)\n", a.Name(), os.Getpid())
		return sc.SleepForever(ctx)
	})
})

func main() {
	actor.ChildMain()
	cancelTimeout := flag.Duration("cancel-timeout", actor.DefaultCancelTimeout, "how long the root waits for the child to acknowledge a graceful cancel")
	killGrace := flag.Duration("kill-grace", actor.DefaultKillGrace, "how long the child may take to exit after the cancel, and after SIGTERM, before the next step")
	unshielded := flag.Bool("unshielded", false, "the child sleeps unshielded, so a cancel ends it gracefully")
	flag.Parse()
	// The root's log (the kill ladder's steps at LevelCancel) goes to
	// stdout with everything else.
	// The signal guard's lines log through slog's default logger, so that
	// is the logger set here.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: actor.LevelCancel})))
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			p, err := n.StartActor(ctx, "stuck")
			if err != nil {
				return err
			}
			fmt.Printf("hang: root pid %d; child %q pid %d\n", os.Getpid(), "stuck", p.PID())
			if *unshielded {
				fmt.Println("hang: the child sleeps unshielded: cancelling the tree ends it gracefully")
			} else {
				fmt.Println("hang: the child sleeps forever in a shielded scope: cancelling the tree cannot end it")
			}
			fmt.Printf("hang: kill -USR1 %d dumps the root's task tree, then the child's\n", os.Getpid())
			fmt.Printf("hang: Ctrl-C (or kill -TERM %d) cancels the tree: a cancel request, then after %v SIGTERM, then after %v SIGKILL\n", os.Getpid(), *killGrace, *killGrace)
			_, err = sleep.Run(ctx, p, !*unshielded)
			return err
		})
	}, actor.WithName("hang"),
		actor.WithDumpOutput(os.Stdout), actor.WithChildOutput(os.Stdout),
		actor.WithCancelTimeout(*cancelTimeout), actor.WithKillGrace(*killGrace))
	fmt.Println("hang: the tree ended:", err)
	if errors.Is(err, sc.ErrInterrupted) {
		os.Exit(signals.ExitCode(stopSignal(err)))
	}
	if err != nil {
		os.Exit(1)
	}
}

// stopSignal says which stop signal ended the tree.
func stopSignal(err error) os.Signal {
	var se *actor.StoppedError
	if errors.As(err, &se) {
		return se.Signal
	}
	return os.Interrupt
}
