package actor

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// childFlag marks a process as a sub-actor: it is os.Args[1], followed by
// "=" and the child's name (so ps shows which actor a process is). It is
// the only thing on the command line; the token never is.
const childFlag = "-hitch-actor"

// bootstrapFD is the descriptor a child reads its bootstrap record from:
// the first of exec.Cmd.ExtraFiles.
const bootstrapFD = 3

// maxBootstrap bounds the bootstrap record a child accepts.
const maxBootstrap = 64 << 10

// bootstrap is what a parent hands its child before the child can connect:
// one JSON line on an inherited pipe (never argv, never the environment,
// where other users or the child's own children could read it). The
// parent keeps the pipe's write end open for the child's life, so the
// child sees end-of-file the moment its parent is gone, however it died.
type bootstrap struct {
	Name     string
	UID      string
	Parent   ActorID
	Addr     string // the parent's listen address, ipc.Addr text
	Listen   string // where the child listens, ipc.Addr text
	Token    []byte
	LogLevel string
	BusyPoll string // RuntimeVars.BusyPoll: the child's first channel, to its parent, needs it
}

func writeBootstrap(w io.Writer, b *bootstrap) error {
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// readBootstrap reads the record from r and returns the reader positioned
// after it, for the parent watch.
func readBootstrap(r io.Reader) (*bootstrap, *bufio.Reader, error) {
	br := bufio.NewReaderSize(r, 4096)
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxBootstrap {
			return nil, nil, fmt.Errorf("bootstrap record over %d bytes", maxBootstrap)
		}
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			return nil, nil, errors.New("parent closed the bootstrap pipe before sending the record")
		}
		return nil, nil, err
	}
	var b bootstrap
	if err := json.Unmarshal(line, &b); err != nil {
		return nil, nil, fmt.Errorf("bad bootstrap record: %w", err)
	}
	if b.Name == "" || b.UID == "" || b.Addr == "" || len(b.Token) == 0 {
		return nil, nil, errors.New("bootstrap record lacks name, uid, address or token")
	}
	return &b, br, nil
}

// childName returns the sub-actor name given on the command line, and
// false when this process was not started as a sub-actor.
func childName(args []string) (string, bool) {
	if len(args) < 2 {
		return "", false
	}
	name, ok := strings.CutPrefix(args[1], childFlag+"=")
	return name, ok
}

// bootstrapFile returns the inherited bootstrap pipe and marks it
// close-on-exec, so this child's own children never inherit it.
func bootstrapFile() *os.File {
	closeOnExec(bootstrapFD)
	return os.NewFile(bootstrapFD, "hitch-actor-bootstrap")
}
