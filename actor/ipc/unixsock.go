package ipc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// maxUnixPath is the longest socket path the kernel takes: sun_path less
// its terminating NUL.
var maxUnixPath = len(syscall.RawSockaddrUnix{}.Path) - 1

// ErrAddrInUse matches a Listen on a unix socket path where another
// listener answers.
var ErrAddrInUse = errors.New("ipc: address in use")

// checkUnixPath refuses a path the kernel cannot bind or connect to, naming
// the path and the limit.
func checkUnixPath(path string) error {
	if len(path) > maxUnixPath {
		return fmt.Errorf("%w %q: the socket path is %d bytes, over the system's limit of %d", ErrBadAddr, "unix://"+path, len(path), maxUnixPath)
	}
	return nil
}

// unixSocket is a listener's socket file: its path and the file it bound,
// so Close removes that file and nothing that replaced it.
type unixSocket struct {
	path string
	file os.FileInfo
}

// listenUnix binds a unix socket at path with mode 0600, atomically: it
// binds under a private name in a private directory beside path (so the
// socket is never reachable with wider permissions), then links it to
// path, which fails if anything is there. A socket at path that nobody
// answers on is a stale one, left by a process that died: it is replaced,
// with a log line. Another listener's live socket, or any other file,
// makes Listen fail.
//
// Listens and Closes on one directory are serialized with a lock on the
// directory, so two processes replacing one stale socket cannot both win,
// and Close cannot remove a socket another listener has just linked.
func listenUnix(ctx context.Context, path string, log *slog.Logger) (*net.UnixListener, *unixSocket, error) {
	if err := checkUnixPath(path); err != nil {
		return nil, nil, err
	}
	dir := filepath.Dir(path)
	tmpDir, err := makePrivateDir(dir, path)
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, "s")
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "unix", tmp)
	if err != nil {
		return nil, nil, err
	}
	ul := ln.(*net.UnixListener)
	ul.SetUnlinkOnClose(false)
	fail := func(err error) (*net.UnixListener, *unixSocket, error) {
		ul.Close()
		return nil, nil, err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fail(err)
	}
	fi, err := os.Lstat(tmp)
	if err != nil {
		return fail(err)
	}
	unlock, err := lockDir(ctx, dir)
	if err != nil {
		return fail(err)
	}
	defer unlock()
	err = os.Link(tmp, path)
	if errors.Is(err, os.ErrExist) {
		if err = replaceStale(ctx, path, log); err == nil {
			err = os.Link(tmp, path)
		}
	}
	if err != nil {
		return fail(err)
	}
	return ul, &unixSocket{path: path, file: fi}, nil
}

// makePrivateDir makes a directory only this process can enter, in dir,
// with a name short enough that a socket inside it fits the path limit
// whenever the user's socket path does.
func makePrivateDir(dir, path string) (string, error) {
	// dir + "/." + name + "/s": keep it no longer than the user's path
	// where we can, and never under 6 random characters.
	n := max(6, min(16, len(path)-len(dir)-4))
	if len(dir)+n+4 > maxUnixPath {
		return "", fmt.Errorf("%w %q: the socket path is %d bytes; binding it safely needs a private directory beside it, which the system's limit of %d bytes leaves no room for (use a shorter directory or file name)",
			ErrBadAddr, "unix://"+path, len(path), maxUnixPath)
	}
	for range 100 {
		var b [8]byte
		rand.Read(b[:])
		name := filepath.Join(dir, "."+hex.EncodeToString(b[:])[:n])
		err := os.Mkdir(name, 0o700)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("ipc: cannot make a private directory in %s", dir)
}

// replaceStale removes the socket at path if nobody answers on it. The
// caller holds the directory lock.
func replaceStale(ctx context.Context, path string, log *slog.Logger) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil // gone meanwhile: link again
	}
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("%s already exists and is not a socket", path)
	}
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "unix", path)
	if err == nil {
		conn.Close()
		return fmt.Errorf("%w: unix://%s: a listener answers on it", ErrAddrInUse, path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		// Busy (a full backlog), or not ours to probe: not provably stale.
		return fmt.Errorf("%w: unix://%s: a socket is there and cannot be shown stale: %v", ErrAddrInUse, path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	log.Info("ipc: replaced a stale socket nobody answered on", "path", path)
	return nil
}

// remove deletes the socket file if it is still the one this listener
// bound.
func (s *unixSocket) remove() error {
	unlock, err := lockDir(context.Background(), filepath.Dir(s.path))
	if err != nil {
		return err
	}
	defer unlock()
	fi, err := os.Lstat(s.path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	if !os.SameFile(fi, s.file) {
		return nil // replaced by someone else: not ours to remove
	}
	return os.Remove(s.path)
}
