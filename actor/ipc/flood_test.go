package ipc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/internal/progtest"
)

// The flood test runs a listener in a child process (this test binary,
// re-run with floodChildEnv set) under a memory limit, floods it with
// connections that never prove the token, and checks that it stays alive,
// keeps its heap under floodHeapBound and serves a legitimate client
// throughout.
const (
	floodChildEnv  = "HITCH_IPC_FLOOD_CHILD"
	floodHeapBound = 32 << 20 // bytes of heap in use, at the worst moment
	floodAddrSpace = 2 << 30  // the child's address-space limit (not under -race)
)

// floodChild is the child's main: listen, print the address, serve until
// killed. A Start for "stats" is answered with the peak heap in use
// and the goroutine count.
func floodChild() int {
	debug.SetMemoryLimit(floodHeapBound)
	if !raceEnabled { // the race detector reserves more address space than this
		if err := limitAddressSpace(floodAddrSpace); err != nil {
			fmt.Fprintln(os.Stderr, "limiting the address space:", err)
			return 2
		}
	}
	var peak atomic.Uint64
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		for {
			old := peak.Load()
			if ms.HeapInuse <= old || peak.CompareAndSwap(old, ms.HeapInuse) {
				return
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			sample()
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ln, err := Listen(ctx, Addr{}, WithToken([]byte(os.Getenv(floodChildEnv))), WithLogger(log),
		WithHandshakeTimeout(2*time.Second), WithFrameProgress(300*time.Millisecond))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println(ln.Addr()) // then serve until killed
	codec := msg.MustCodec()
	err = ln.Serve(ctx, func(ctx context.Context, ch *Channel) {
		defer ch.Close()
		for {
			m, err := ch.Recv(ctx)
			if err != nil {
				return
			}
			if s, ok := m.(*msg.Start); ok && s.Func == "stats" {
				sample()
				pld, _ := codec.EncodePayload([]uint64{peak.Load(), uint64(runtime.NumGoroutine())})
				m = &msg.Return{Cid: s.Cid, Pld: pld}
			}
			if ch.Send(ctx, m) != nil {
				return
			}
		}
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestFloodChildProcess: header-only connections announcing huge frames,
// connections that trickle a handshake frame, silent ones, and an
// authenticated one that trickles a 30 MiB frame, all at once, against a
// listener in a child process with a memory limit.
func TestFloodChildProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("floods a child process for a few seconds")
	}
	const token = "flood-token"
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), floodChildEnv+"="+token)
	child := progtest.StartCmd(t, cmd) // killed and reaped when the test ends
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("child's log:\n%s", child.Stderr())
		}
	})
	lines := child.Until(t, "tcp://")
	addr, err := ParseAddr(lines[len(lines)-1])
	if err != nil {
		t.Fatal(err)
	}
	opts := []Option{WithToken([]byte(token)), quiet()}
	ctx, cancel := context.WithTimeout(context.Background(), 4*testTimeout)
	defer cancel()
	legit, err := Dial(ctx, addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer legit.Close()

	// An authenticated peer, which will trickle a frame.
	p := newRawPeer(t, addr)
	p.hello(nonce(8))
	p.send(&msg.Identity{Proof: proof([]byte(token), roleDial, p.nd, p.nl)})
	if _, err := p.recv(); err != nil {
		t.Fatal(err)
	}
	p.send(&msg.Identity{Name: "trickler"})

	// The legitimate client round-trips without a pause while the flood
	// runs, and a fresh client connects every 20 ms.
	stop := make(chan struct{})
	var trips, dials, redials, floods atomic.Int64
	var clientErr atomic.Value
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			cid := fmt.Sprint(i)
			if err := legit.Send(ctx, &msg.Yield{Cid: cid, Pld: msg.Raw{0x2a}}); err != nil {
				clientErr.Store(err)
				return
			}
			m, err := legit.Recv(ctx)
			if err != nil || m.(*msg.Yield).Cid != cid {
				clientErr.Store(fmt.Errorf("round trip %d: %v %v", i, m, err))
				return
			}
			trips.Add(1)
		}
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			var err error
			for try := range 20 { // a handshake not yet read can lose its slot to 64 newer floods
				var ch *Channel
				if ch, err = Dial(ctx, addr, opts...); err == nil {
					ch.Close()
					redials.Add(int64(try))
					break
				}
			}
			if err != nil {
				clientErr.Store(fmt.Errorf("fresh dial: %w", err))
				return
			}
			dials.Add(1)
		}
	}()

	// The flood: 4 attackers, one of each kind, each opening connections
	// as fast as it can for 3 s and keeping the last 150 open. They share
	// the machine's cores with the child, which a remote attacker would
	// not.
	flood := func(kind int) {
		defer wg.Done()
		deadline := time.Now().Add(3 * time.Second)
		var open []net.Conn
		defer func() {
			for _, c := range open {
				c.Close()
			}
		}()
		for time.Now().Before(deadline) {
			c, err := net.Dial(addr.Network, addr.Address)
			if err != nil {
				continue
			}
			floods.Add(1)
			open = append(open, c)
			switch kind {
			case 0: // header only, announcing 2 GiB
				c.Write([]byte{0x7f, 0xff, 0xff, 0xff})
			case 1: // header just under the handshake limit, then nothing
				c.Write([]byte{0, 0, 0x0f, 0xf0})
			case 2: // a trickled opening frame
				c.Write([]byte{0, 0, 0x0f, 0xf0, 0x97})
			case 3: // silent
			}
			if len(open) > 150 {
				open[0].Close()
				open = open[1:]
			}
			if kind == 2 {
				for _, o := range open[max(0, len(open)-10):] {
					o.Write([]byte{0})
				}
			}
		}
	}
	wg.Add(5)
	for kind := range 4 {
		go flood(kind)
	}
	trickled := make(chan error, 1)
	go func() { // the authenticated peer trickles a 30 MiB frame
		defer wg.Done()
		p.conn.Write([]byte{0x01, 0xe0, 0, 0})
		for {
			select {
			case <-stop:
				trickled <- errors.New("still connected when the flood ended")
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := p.conn.Write([]byte{0}); err != nil {
				trickled <- nil // dropped
				return
			}
		}
	}()
	time.Sleep(3 * time.Second)
	close(stop)
	wg.Wait()
	if err, _ := clientErr.Load().(error); err != nil {
		t.Fatalf("the legitimate client failed during the flood: %v", err)
	}
	if err := <-trickled; err != nil {
		t.Fatalf("the authenticated trickler: %v", err)
	}
	if err := legit.Send(ctx, &msg.Start{Cid: "s", Func: "stats"}); err != nil {
		t.Fatal(err)
	}
	m, err := legit.Recv(ctx)
	if err != nil {
		t.Fatalf("the child does not answer after the flood: %v", err)
	}
	stats, err := msg.Payload[[]uint64](msg.MustCodec(), m)
	if err != nil || len(stats) != 2 {
		t.Fatalf("stats = %v, %v", stats, err)
	}
	t.Logf("during a flood of %d connections: %d round trips, %d fresh dials (%d retries); child's peak heap in use %.1f MiB (bound %d MiB), %d goroutines after",
		floods.Load(), trips.Load(), dials.Load(), redials.Load(), float64(stats[0])/(1<<20), floodHeapBound>>20, stats[1])
	if stats[0] > floodHeapBound {
		t.Fatalf("the child's heap reached %d MiB, over the bound of %d MiB", stats[0]>>20, floodHeapBound>>20)
	}
	if trips.Load() == 0 || dials.Load() == 0 {
		t.Fatal("the legitimate client made no progress during the flood")
	}
	stderr := child.Stderr()
	if lines := strings.Count(stderr, "\n"); lines > 100 {
		t.Fatalf("the child logged %d lines for the flood", lines)
	}
	if !strings.Contains(stderr, "trickler") || !strings.Contains(stderr, "frame stalled") {
		t.Fatal("the child did not log dropping the trickler")
	}
}
