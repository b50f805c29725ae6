//go:build !unix

package actor

func closeOnExec(int) {}

func ignoreSIGPIPE() {}
