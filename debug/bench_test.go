package debug_test

import (
	"context"
	"io"
	"testing"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/debug"
)

// promptReader answers "c" to every read; the first read is the moment the
// REPL waits for its first line, with the prompt written.
type promptReader struct{}

func (promptReader) Read(p []byte) (int, error) { return copy(p, "c\n"), nil }

// BenchmarkPauseFromSync measures one pause of a plain goroutine with a
// runtime attached: the lock task scheduled on the runner takes the lock,
// the REPL shows its header and prompt and reads "c", the lock task
// releases the lock.
func BenchmarkPauseFromSync(b *testing.B) {
	in := debug.Input(promptReader{})
	out := debug.Output(io.Discard)
	err := sc.Run(func(ctx context.Context) error {
		detach, err := debug.Attach(sc.CurrentTask(ctx).Runner().Token())
		if err != nil {
			return err
		}
		defer detach()
		return sc.ToGoroutine(ctx, func(context.Context) error {
			b.ReportAllocs()
			for b.Loop() {
				if err := debug.PauseFromSync(in, out); err != nil {
					return err
				}
			}
			return nil
		}, false)
	})
	if err != nil {
		b.Fatal(err)
	}
}
