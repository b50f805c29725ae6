//go:build amd64 || arm64

package gid

func current() uintptr
