package ipc

import (
	"log/slog"
)

func quiet() Option { return WithLogger(slog.New(slog.DiscardHandler)) }
