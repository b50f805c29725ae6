//go:build linux

package chaos_test

import "github.com/hitchrt/hitch/actor"

// infectedOptions returns the StartActor options of an infected actor:
// none until the infected mode is part of this tree, so every actor runs
// native.
func infectedOptions() []actor.Option { return nil }
