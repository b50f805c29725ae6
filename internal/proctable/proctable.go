// Package proctable reads the process table (Linux's /proc) for tests that
// check which processes a program left behind. Elsewhere it reads nothing:
// Stat reports no process and All an empty table.
package proctable

import (
	"os"
	"strconv"
	"strings"
)

// Proc is one entry of the process table.
type Proc struct {
	PID     int
	PPID    int
	Session int
	State   byte // R, S, Z, ...
	Cmd     string
}

// Stat reads one process's entry; false when there is no such process.
func Stat(pid int) (Proc, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Proc{}, false
	}
	s := string(b)
	// pid (comm) state ppid pgrp session ...; comm may hold spaces and
	// parentheses.
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return Proc{}, false
	}
	f := strings.Fields(s[end+1:])
	if len(f) < 4 || f[0] == "" {
		return Proc{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	sess, _ := strconv.Atoi(f[3])
	return Proc{PID: pid, PPID: ppid, Session: sess, State: f[0][0], Cmd: s[open+1 : end]}, true
}

// All returns the entries for which keep reports true.
func All(keep func(Proc) bool) []Proc {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []Proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := Stat(pid); ok && keep(p) {
			out = append(out, p)
		}
	}
	return out
}
