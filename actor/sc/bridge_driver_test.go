package sc_test

import (
	"context"
	"errors"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/internal/testhost"
	"github.com/hitchrt/hitch/loop"
)

// G0: every table-driven test also runs as a guest of hitch's loop and of
// a foreign chan-func loop, through the real bridge.
func init() {
	drivers = append(drivers,
		driver{"guest-loop", runOnLoop},
		driver{"guest-foreign", runOnForeignHost},
	)
}

func unitMain(main func(ctx context.Context) error) func(ctx context.Context) (struct{}, error) {
	return func(ctx context.Context) (struct{}, error) { return struct{}{}, main(ctx) }
}

func guestOpts(opts []sc.Option) []bridge.Option {
	return []bridge.Option{bridge.WithRunnerOptions(opts...), bridge.WithSIGINT(false)}
}

func runOnLoop(main func(ctx context.Context) error, opts ...sc.Option) error {
	l := loop.New()
	defer l.Close()
	var out error
	g, err := bridge.StartGuestRun(l, unitMain(withHost(main, l.RunSyncSoonThreadsafe)), func(o bridge.Outcome[struct{}]) {
		out = o.Err
		l.Stop()
	}, guestOpts(opts)...)
	if err != nil {
		return err
	}
	if err := l.RunForever(); err != nil {
		return err
	}
	if err := g.Wait(context.Background()); err != out {
		return errors.Join(errors.New("Guest.Wait disagrees with the done callback"), err, out)
	}
	return out
}

func runOnForeignHost(main func(ctx context.Context) error, opts ...sc.Option) error {
	h := testhost.New()
	var out error
	finished := false
	g, err := bridge.StartGuestRun(h, unitMain(withHost(main, h.RunSyncSoonThreadsafe)), func(o bridge.Outcome[struct{}]) {
		out = o.Err
		finished = true
	}, guestOpts(opts)...)
	if err != nil {
		return err
	}
	h.Run(func() bool { return finished })
	g.Wait(context.Background())
	return out
}
