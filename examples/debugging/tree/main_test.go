package main

import (
	"testing"

	"go.uber.org/goleak"
)

// The terminal-driven tests are Linux-only (term_linux_test.go); each
// checks that no process of the program's session outlives it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
