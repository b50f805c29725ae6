package main

import "syscall"

// threadChecked says whether threadID tells OS threads apart here.
const threadChecked = true

// threadID returns the calling OS thread's id.
func threadID() int { return syscall.Gettid() }
