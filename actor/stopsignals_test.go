package actor

import (
	"context"
	"os"
	"testing"

	"github.com/hitchrt/hitch/internal/sigguard"
)

// The root owns SIGINT while it runs, unless the program keeps it.
func TestWithStopSignals(t *testing.T) {
	for _, tt := range []struct {
		opts []Option
		want string
	}{
		{nil, "actor sig"},
		{[]Option{WithStopSignals(true)}, "actor sig"},
		{[]Option{WithStopSignals(false)}, ""},
	} {
		var owner string
		err := Run(func(ctx context.Context, a *Actor) error {
			owner = sigguard.OwnerOf(os.Interrupt)
			return nil
		}, append(tt.opts, WithName("sig"))...)
		if err != nil {
			t.Fatal(err)
		}
		if owner != tt.want {
			t.Errorf("%d options: SIGINT's owner in the root is %q, want %q", len(tt.opts), owner, tt.want)
		}
		if after := sigguard.OwnerOf(os.Interrupt); after != "" {
			t.Errorf("SIGINT's owner after the root ended is %q", after)
		}
	}
}
