//go:build !linux

package main

// threadChecked says whether threadID tells OS threads apart here: the
// check needs Linux's gettid.
const threadChecked = false

// threadID returns 0: this system's thread ids are not read.
func threadID() int { return 0 }
