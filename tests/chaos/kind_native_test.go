//go:build linux

package chaos_test

import "github.com/hitchrt/hitch/actor"

// infectedAvailable reports whether this build can start infected actors.
const infectedAvailable = false

// infectedOptions returns the StartActor options of an infected actor.
func infectedOptions() []actor.Option { return nil }
