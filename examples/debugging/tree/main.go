// Command tree runs an actor tree in debug mode whose sub-actors open the
// debugger's REPL on the root's terminal: every actor of the tree shares
// it, one REPL at a time, through the root's stdio lock. -mode picks what
// happens:
//
//	crash     a sub-actor's endpoint panics: its post-mortem REPL opens
//	          first, then, after c, the root's, on the error relayed to it
//	handover  one sub-actor pauses at each of three turns while a sibling
//	          crashes: the REPLs take turns, in the order they asked
//	cancel    a sub-actor pauses; stop the program (SIGTERM) meanwhile and
//	          the root waits for that REPL to end before it cancels the child
//	grandchild a sub-actor's own sub-actor pauses: its request for the
//	          terminal goes up through its parent to the root
//	quit      a sub-actor's REPL is left with q: the root refuses it the
//	          terminal from then on, and the quit ends the tree (no
//	          post-mortem for it)
//	lost      a sub-actor holds the REPL when it is killed: the root gets
//	          the terminal back (its own post-mortem on the child's death)
//	orphan    the root holds the REPL while a sub-actor waits for it; kill
//	          the root and the sub-actor gives up with an error saying so
//	infected  a host task of an infected sub-actor (its main is a host
//	          loop, the runtime its guest) pauses
//	sync      two plain goroutines of the root and one of a sub-actor pause
//	          at once: three REPLs, one after another
//
// The root prints its pid first, and each sub-actor's as it starts it. The program exits
// 0 when the tree ends cleanly, 1 with its error, 128+signal when stopped.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/debug"
	"github.com/hitchrt/hitch/infected"
	"github.com/hitchrt/hitch/signals"
)

// count writes to a nil map: a panic, as a bug would.
func count(table map[string]int, key string) { table[key]++ }

// Crash panics in the sub-actor that serves it.
var Crash = actor.Func("crash", func(ctx context.Context, key string) (int, error) {
	count(nil, key)
	return 0, nil
})

// PauseOnce pauses once in the sub-actor; shield opens the REPL even when
// the sub-actor is being cancelled.
var PauseOnce = actor.Func("pauseOnce", func(ctx context.Context, shield bool) (string, error) {
	opts := []debug.Option{debug.Var("who", "child")}
	if shield {
		opts = append(opts, debug.Shield())
		fmt.Println("child: asking for the terminal")
	}
	if err := debug.Pause(ctx, opts...); err != nil {
		fmt.Println("child: pause failed:", err)
		return "", err
	}
	return "continued", nil
})

// PauseAfterQuit pauses, and when the person quits, tries once more: the
// root refuses the terminal to an actor that quit.
var PauseAfterQuit = actor.Func("pauseAfterQuit", func(ctx context.Context, _ int) (string, error) {
	err := debug.Pause(ctx)
	if !errors.Is(err, debug.ErrQuit) {
		return "continued", err
	}
	fmt.Println("child: quit; pausing again")
	fmt.Println("child: second pause:", debug.Pause(ctx))
	return "", err
})

// SpawnLeaf starts a sub-actor of its own (a grandchild of the root) and
// has it pause: its request for the terminal goes through this actor.
var SpawnLeaf = actor.Func("spawnLeaf", func(ctx context.Context, _ int) (string, error) {
	var v string
	err := actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
		p, err := start(ctx, n, "leaf")
		if err != nil {
			return err
		}
		if v, err = PauseOnce.Run(ctx, p, false); err != nil {
			return err
		}
		return p.CancelActor(ctx)
	})
	return v, err
})

// PauseFromHostTask runs a host task on the infected sub-actor's own
// loop, which pauses.
var PauseFromHostTask = actor.Func("pauseFromHostTask", func(ctx context.Context, _ int) (int, error) {
	return infected.RunHostTask(ctx, func(ctx context.Context) (int, error) {
		return 0, debug.PauseHost(ctx, debug.Var("from", "host task"))
	})
})

// PauseLoop reports started, then pauses at each of turns turns. Once
// its first REPL is open it sends 1 on the context's stream, so the opener
// can make a sibling crash while this actor holds the terminal.
var PauseLoop = actor.ContextFunc("pauseLoop", func(ctx context.Context, c *actor.Context[int, int], turns int) (int, error) {
	if err := c.Started(ctx, 0); err != nil {
		return 0, err
	}
	s, err := c.OpenStream(ctx, false)
	if err != nil {
		return 0, err
	}
	done := 0
	err = sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
		sn.StartSoon("tell", func(ctx context.Context) error {
			for !debug.CurrentStatus().Active {
				if err := sc.Sleep(ctx, 5*time.Millisecond); err != nil {
					return err
				}
			}
			return s.Send(ctx, 1)
		})
		for turn := 1; turn <= turns; turn++ {
			if err := debug.Pause(ctx, debug.Var("turn", turn)); err != nil {
				return err
			}
			done = turn
		}
		return nil
	})
	return done, err
})

// CrashWhenTold reports started, then panics when the opener sends a value.
var CrashWhenTold = actor.ContextFunc("crashWhenTold", func(ctx context.Context, c *actor.Context[int, int], _ int) (int, error) {
	if err := c.Started(ctx, 0); err != nil {
		return 0, err
	}
	s, err := c.OpenStream(ctx, false)
	if err != nil {
		return 0, err
	}
	if _, err := s.Receive(ctx); err != nil {
		return 0, err
	}
	fmt.Println("crasher: crashing now")
	count(nil, "crasher")
	return 0, nil
})

// PauseFromGoroutine pauses from a plain goroutine of the sub-actor.
var PauseFromGoroutine = actor.Func("pauseFromGoroutine", func(ctx context.Context, _ int) (int, error) {
	return 0, sc.ToGoroutine(ctx, func(context.Context) error {
		return debug.PauseFromSync(debug.Var("from", "child goroutine"))
	}, false)
})

// crasherWaits reports whether a request of the crasher's for the
// terminal waits in this process's queue.
func crasherWaits() bool {
	for _, h := range debug.CurrentStatus().Pending {
		if h.Actor == "crasher" {
			return true
		}
	}
	return false
}

func start(ctx context.Context, n *actor.Nursery, name string) (*actor.Portal, error) {
	p, err := n.StartActor(ctx, name)
	if err != nil {
		return nil, err
	}
	fmt.Printf("%s: started %s, pid %d\n", actorName(ctx), name, p.PID())
	return p, nil
}

func actorName(ctx context.Context) string {
	if a, err := actor.Current(ctx); err == nil && !a.IsRoot() {
		return a.Name()
	}
	return "tree"
}

var modes = map[string]func(ctx context.Context, n *actor.Nursery) error{
	"crash": func(ctx context.Context, n *actor.Nursery) error {
		p, err := start(ctx, n, "worker")
		if err != nil {
			return err
		}
		_, err = Crash.Run(ctx, p, "x")
		return err
	},
	"handover": func(ctx context.Context, n *actor.Nursery) error {
		looper, err := start(ctx, n, "looper")
		if err != nil {
			return err
		}
		crasher, err := start(ctx, n, "crasher")
		if err != nil {
			return err
		}
		looping := new(sc.Event)
		return sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
			sn.StartSoon("looper", func(ctx context.Context) error {
				_, err := PauseLoop.Open(ctx, looper, 3, func(ctx context.Context, c *actor.Context[int, int], _ int) error {
					s, err := c.OpenStream(ctx, false)
					if err != nil {
						return err
					}
					if _, err := s.Receive(ctx); err != nil {
						return err
					}
					looping.Set()
					return nil
				})
				return err
			})
			sn.StartSoon("crasher", func(ctx context.Context) error {
				_, err := CrashWhenTold.Open(ctx, crasher, 0, func(ctx context.Context, c *actor.Context[int, int], _ int) error {
					if err := looping.Wait(ctx); err != nil {
						return err
					}
					s, err := c.OpenStream(ctx, false)
					if err != nil {
						return err
					}
					if err := s.Send(ctx, 1); err != nil {
						return err
					}
					// The root serves the tree's terminal lock: say when the
					// crasher's post-mortem waits in its queue, ahead of the
					// looper's next turn.
					for !crasherWaits() {
						if err := sc.Sleep(ctx, 5*time.Millisecond); err != nil {
							return err
						}
					}
					fmt.Println("tree: crasher waits for the terminal")
					return nil
				})
				return err
			})
			return nil
		})
	},
	"cancel": func(ctx context.Context, n *actor.Nursery) error {
		p, err := start(ctx, n, "child")
		if err != nil {
			return err
		}
		v, err := PauseOnce.Run(ctx, p, false)
		if err != nil {
			return err
		}
		fmt.Println("tree: child", v)
		return p.CancelActor(ctx)
	},
	"grandchild": func(ctx context.Context, n *actor.Nursery) error {
		p, err := start(ctx, n, "mid")
		if err != nil {
			return err
		}
		v, err := SpawnLeaf.Run(ctx, p, 0)
		fmt.Println("tree: leaf", v)
		return err
	},
	"quit": func(ctx context.Context, n *actor.Nursery) error {
		p, err := start(ctx, n, "child")
		if err != nil {
			return err
		}
		_, err = PauseAfterQuit.Run(ctx, p, 0)
		return err
	},
	"lost": func(ctx context.Context, n *actor.Nursery) error {
		p, err := start(ctx, n, "child")
		if err != nil {
			return err
		}
		_, err = PauseOnce.Run(ctx, p, false)
		return err
	},
	"orphan": func(ctx context.Context, n *actor.Nursery) error {
		p, err := start(ctx, n, "child")
		if err != nil {
			return err
		}
		return sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
			sn.StartSoon("child", func(ctx context.Context) error {
				_, err := PauseOnce.Run(ctx, p, true)
				return err
			})
			// The root's own pause takes the lock before the child's request
			// (two messages away) reaches it.
			return debug.Pause(ctx, debug.Var("who", "root"))
		})
	},
	"infected": func(ctx context.Context, n *actor.Nursery) error {
		p, err := n.StartActor(ctx, "host", infected.Mode())
		if err != nil {
			return err
		}
		fmt.Printf("tree: started host, pid %d\n", p.PID())
		_, err = PauseFromHostTask.Run(ctx, p, 0)
		return err
	},
	"sync": func(ctx context.Context, n *actor.Nursery) error {
		p, err := start(ctx, n, "worker")
		if err != nil {
			return err
		}
		return sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
			sn.StartSoon("child", func(ctx context.Context) error {
				_, err := PauseFromGoroutine.Run(ctx, p, 0)
				return err
			})
			return sc.ToGoroutine(ctx, func(context.Context) error {
				var wg sync.WaitGroup
				errs := make([]error, 2)
				for i := range 2 {
					wg.Go(func() { errs[i] = debug.PauseFromSync(debug.Var("from", fmt.Sprintf("root goroutine %d", i+1))) })
				}
				wg.Wait()
				return errors.Join(errs...)
			}, false)
		})
	},
}

func main() {
	actor.ChildMain()
	mode := flag.String("mode", "crash", "crash, handover, cancel, grandchild, quit, lost, orphan, infected or sync")
	flag.Parse()
	run := modes[*mode]
	if run == nil {
		fmt.Fprintf(os.Stderr, "tree: unknown -mode %q\n", *mode)
		os.Exit(2)
	}
	fmt.Printf("tree: root pid %d, mode %s\n", os.Getpid(), *mode)
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			if err := run(ctx, n); err != nil {
				return err
			}
			return n.Cancel(ctx)
		})
	}, actor.WithDebugMode(true))
	var stopped *actor.StoppedError
	switch {
	case errors.As(err, &stopped):
		fmt.Println("tree: stopped by", signals.Name(stopped.Signal))
		os.Exit(signals.ExitCode(stopped.Signal))
	case err != nil:
		fmt.Println("tree: failed:", err)
		os.Exit(1)
	}
	fmt.Println("tree: done")
}
