package ipc

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func listenUnixT(t *testing.T, path string, opts ...Option) (*Listener, error) {
	t.Helper()
	ln, err := Listen(context.Background(), Unix(path), append([]Option{testToken(), quiet()}, opts...)...)
	if err == nil {
		t.Cleanup(func() { ln.Close() })
	}
	return ln, err
}

// TestListenUnixAtomic: two Listens racing on one path never both succeed.
func TestListenUnixAtomic(t *testing.T) {
	dir := t.TempDir()
	for i := range 50 {
		path := filepath.Join(dir, "race"+strconv.Itoa(i)+".sock")
		var wg sync.WaitGroup
		var mu sync.Mutex
		var won []*Listener
		var errs []error
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ln, err := Listen(context.Background(), Unix(path), testToken(), quiet())
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					won = append(won, ln)
				} else {
					errs = append(errs, err)
				}
			}()
		}
		wg.Wait()
		for _, ln := range won {
			ln.Close()
		}
		if len(won) != 1 || !errors.Is(errs[0], ErrAddrInUse) {
			t.Fatalf("round %d: %d Listens succeeded (errors %v), want exactly 1 and an ErrAddrInUse", i, len(won), errs)
		}
	}
}

// TestListenerCloseRemovesOnlyItsOwn: a listener whose socket file was
// replaced by another listener's leaves the newcomer's file alone.
func TestListenerCloseRemovesOnlyItsOwn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.sock")
	first, err := listenUnixT(t, path)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(path) // someone cleans up behind the first listener's back
	second, err := listenUnixT(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("the first listener's Close removed the second's socket: %v", err)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("the second listener no longer answers: %v", err)
	}
	c.Close()
	second.Close()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the second listener left its socket: %v", err)
	}
}

// TestListenReplacesStaleSocket: a socket file nobody answers on (its
// process died) is replaced, with a log line.
func TestListenReplacesStaleSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stale.sock")
	dead, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	dead.(*net.UnixListener).SetUnlinkOnClose(false)
	dead.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatal("no stale socket to test with")
	}
	log := newCapture()
	ln, err := listenUnixT(t, path, WithLogger(log.logger()))
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	var found bool
	for _, r := range log.all() {
		if strings.Contains(r.Message, "stale socket") && attr(r, "path") == path {
			found = true
		}
	}
	if !found {
		t.Fatal("no log line about the stale socket")
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- ln.Serve(ctx, func(ctx context.Context, ch *Channel) { ch.Close() }) }()
	c := dial(t, ln.Addr())
	c.Close()
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}

// TestListenRefusesLiveSocketAndFiles: a live listener's socket or a
// plain file at the path makes Listen fail and stays as it was.
func TestListenRefusesLiveSocketAndFiles(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "live.sock")
	if _, err := listenUnixT(t, live); err != nil {
		t.Fatal(err)
	}
	if _, err := listenUnixT(t, live); !errors.Is(err, ErrAddrInUse) {
		t.Fatalf("Listen on a live socket = %v, want ErrAddrInUse", err)
	}
	if c, err := net.Dial("unix", live); err != nil {
		t.Fatalf("the live listener was disturbed: %v", err)
	} else {
		c.Close()
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("keep"), 0o600)
	if _, err := listenUnixT(t, file); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Listen on a plain file = %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Fatal("the plain file was touched")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("left behind: %v", entries)
	}
}

// TestUnixPathTooLong: a path over the system's limit fails, naming the
// path and the limit, on both Listen and Dial; one exactly at the limit
// works, whatever the private name Listen binds under first.
func TestUnixPathTooLong(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, strings.Repeat("q", maxUnixPath-len(dir)-1))
	if _, err := listenUnixT(t, full); err != nil {
		t.Fatalf("Listen on a %d-byte path: %v", len(full), err)
	}
	path := filepath.Join(dir, strings.Repeat("p", 120)+".sock")
	_, lerr := listenUnixT(t, path)
	_, derr := Dial(context.Background(), Unix(path), testToken())
	for _, err := range []error{lerr, derr} {
		if !errors.Is(err, ErrBadAddr) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), strconv.Itoa(maxUnixPath)) {
			t.Fatalf("err = %v, want one naming the path and the limit %d", err, maxUnixPath)
		}
	}
}
