package debug

import (
	"os"
	"path/filepath"

	"github.com/peterh/liner"
)

// historyPath is where command lines are kept across runs: hitch/history
// in the user's cache directory. It is empty when there is no cache
// directory; history then lives only as long as the REPL.
func historyPath() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "hitch", "history")
}

// loadHistory gives the line editor the lines of earlier runs. History is a
// convenience: a missing or unreadable file leaves it empty.
func loadHistory(ln *liner.State) {
	p := historyPath()
	if p == "" {
		return
	}
	f, err := os.Open(p)
	if err != nil {
		return
	}
	defer f.Close()
	ln.ReadHistory(f)
}

// appendHistory adds one command line to the history file at once, so a
// crash or a kill loses nothing typed before it. Failures are ignored, as in
// loadHistory.
func appendHistory(line string) {
	p := historyPath()
	if p == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	f.WriteString(line + "\n")
	f.Close()
}
