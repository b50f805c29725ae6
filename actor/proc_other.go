//go:build !linux

package actor

import (
	"os"
	"syscall"
)

// parentDeath is nil: there is no parent-death signal outside Linux.
var parentDeath chan os.Signal

func notifyParentDeath() {}

// sysProcAttr has no parent-death signal outside Linux; children rely on
// their watch of the bootstrap pipe and the parent channel.
func sysProcAttr() *syscall.SysProcAttr { return nil }
