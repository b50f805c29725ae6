package actor

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// A stop signal's StoppedError keeps the run's error unless it is made of
// cancellations only (a sub-actor that stopped on the same Ctrl-C first).
func TestOnlyCancellations(t *testing.T) {
	cc := &ContextCancelled{Canceller: ActorID{Name: "feed", UID: "1"}, Message: "cancelled"}
	boom := errors.New("boom")
	remote := func(local error) error {
		pack := msg.PackError(local, "c1", ActorID{Name: "feed", UID: "1"})
		return msg.UnpackError(pack)
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"ErrCancelled", sc.ErrCancelled, true},
		{"wrapped ErrCancelled", fmt.Errorf("x: %w", sc.ErrCancelled), true},
		{"ContextCancelled", cc, true},
		{"remote ContextCancelled", remote(cc), true},
		{"nursery of cancellations", &sc.NurseryError{Errs: []error{&sc.NurseryError{Errs: []error{remote(cc)}}, sc.ErrCancelled}}, true},
		{"other error", boom, false},
		{"remote other error", remote(boom), false},
		{"nursery with another error", &sc.NurseryError{Errs: []error{cc, boom}}, false},
		{"wrapped nursery with another error", fmt.Errorf("x: %w", &sc.NurseryError{Errs: []error{cc, fmt.Errorf("y: %w", boom)}}), false},
		{"empty nursery", &sc.NurseryError{}, false},
	}
	for _, tt := range tests {
		if got := onlyCancellations(tt.err); got != tt.want {
			t.Errorf("%s: onlyCancellations(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
