package signals

import "log/slog"

// The log levels of this package's reports sit in the gap slog leaves
// between Info (0) and Warn (4): a person asked for what they report
// (pressed Ctrl-C at a REPL, sent SIGUSR1), so they show at the default
// Info level, yet nothing is wrong. A handler names them as slog's
// custom-levels example does (ReplaceAttr); the actor runtime's console
// handler is meant to, beside its own levels.
const (
	// LevelDevx (1) reports developer tooling at work: a SIGUSR1 dump
	// taken, SIGUSR1 relayed to a child process.
	LevelDevx slog.Level = 1
	// LevelPDB (2) reports the debugger's side of signals: a SIGINT
	// ignored because a REPL is in use or a child holds the debug lock.
	// It ranks above LevelDevx because it explains what a person at the
	// REPL just saw happen (nothing, after a Ctrl-C).
	LevelPDB slog.Level = 2
)
