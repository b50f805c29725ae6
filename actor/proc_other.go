//go:build !linux

package actor

import "syscall"

// sysProcAttr has no parent-death signal outside Linux; children rely on
// their watch of the bootstrap pipe and the parent channel.
func sysProcAttr() *syscall.SysProcAttr { return nil }
