package debug

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// relay boxes err as another actor would send it and unpacks it as its
// caller receives it.
func relay(err error) error {
	return msg.UnpackError(msg.PackError(err, "cid", msg.ActorID{Name: "child", UID: "u1"}))
}

func TestQuitAndRefusalTravel(t *testing.T) {
	if err := relay(ErrQuit); !errors.Is(err, ErrQuit) {
		t.Errorf("relayed ErrQuit = %v, want it to match ErrQuit", err)
	}
	refused := &serviceError{&RefusedError{Message: "debug: actor x quit"}}
	if err := relay(refused); !errors.Is(err, ErrRefused) {
		t.Errorf("relayed refusal = %v, want it to match ErrRefused", err)
	}
}

func TestWorthPostMortem(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		give error
		want bool
	}{
		{"nil", nil, false},
		{"plain", boom, true},
		{"wrapped", fmt.Errorf("op: %w", boom), true},
		{"cancelled", fmt.Errorf("op: %w", sc.ErrCancelled), false},
		{"quit", ErrQuit, false},
		{"relayed quit", relay(fmt.Errorf("wrapped: %w", ErrQuit)), false},
		{"relayed crash", relay(boom), true},
		{"relayed cancel", relay(&msg.ContextCancelled{Message: "x"}), false},
		{"cancels only", errors.Join(sc.ErrCancelled, ErrQuit), false},
		{"a crash among cancels", errors.Join(sc.ErrCancelled, boom), true},
		{"lock service", &serviceError{boom}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := worthPostMortem(tt.give); got != tt.want {
				t.Errorf("worthPostMortem(%v) = %v, want %v", tt.give, got, tt.want)
			}
		})
	}
}
