//go:build !unix

package signals_test

// childMain has no child programs here: the tests that start them need
// signals this system cannot send.
func childMain(string) int { return 2 }
