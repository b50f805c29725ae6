package main

import (
	"testing"

	"go.uber.org/goleak"
)

// The terminal-driven tests are Linux-only (term_linux_test.go).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
