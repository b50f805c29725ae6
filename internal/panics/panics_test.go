package panics

import (
	"errors"
	"io"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func thrower(v any) (err *Error) {
	defer func() { err = Capture(recover(), "task thrower") }()
	panic(v)
}

func TestCaptureKeepsValueAndStack(t *testing.T) {
	err := thrower("boom")
	if err.Value != "boom" || err.Error() != "panic in task thrower: boom" {
		t.Fatalf("got %q (value %v)", err.Error(), err.Value)
	}
	if !strings.Contains(string(err.Stack), "panics.thrower") {
		t.Fatalf("stack does not show the panicking frame:\n%s", err.Stack)
	}
	if err.Unwrap() != nil {
		t.Fatal("a non-error value should not unwrap")
	}
}

func TestCaptureUnwrapsErrorValues(t *testing.T) {
	err := thrower(io.EOF)
	if !errors.Is(err, io.EOF) {
		t.Fatalf("errors.Is(%v, io.EOF) = false", err)
	}
}

func TestCaptureNil(t *testing.T) {
	if Capture(nil, "x") != nil {
		t.Fatal("Capture(nil) should be nil")
	}
}
