// Package spawnhook holds the seams through which hitch's own tests make a
// parent start a sub-actor wrongly, to see the child refuse. Nothing
// outside the module can reach it; no program sets it.
package spawnhook

import "sync/atomic"

// SkewInfected, while true, makes StartActor put the opposite of the
// child's host-loop mode on its command line, so that the command-line
// flag and the Infected variable of the spawn spec disagree.
var SkewInfected atomic.Bool
