//go:build !unix

package progtest

import "testing"

// WaitGone cannot probe a pid on this system (it has no signal 0): it only
// logs the pid it was asked about.
func WaitGone(t testing.TB, pid int) {
	t.Helper()
	t.Logf("cannot check that pid %d is gone on this system", pid)
}
