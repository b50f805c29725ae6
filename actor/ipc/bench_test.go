package ipc

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"testing"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

func quiet() Option { return WithLogger(slog.New(slog.DiscardHandler)) }

// The payload sizes and transports every size benchmark runs over; each
// Channel benchmark has a raw baseline of the same shape, measured in the
// same run: a bare socket carrying a 4-byte length prefix and the payload.
var benchSizes = []struct {
	name string
	n    int
}{{"16B", 16}, {"1KiB", 1 << 10}, {"64KiB", 64 << 10}}

var benchNets = []string{"tcp", "unix"}

// eachShape runs f as sub-benchmarks <network>/<size>, with the bytes per
// op set to the payload size. Each also reports cpu-ns/op, the process's
// CPU time (both ends, user and system, set-up included) per op: on a
// shared machine it moves less with the neighbours' load than ns/op does.
func eachShape(b *testing.B, f func(b *testing.B, network string, n int)) {
	for _, network := range benchNets {
		for _, size := range benchSizes {
			b.Run(network+"/"+size.name, func(b *testing.B) {
				b.SetBytes(int64(size.n))
				b.ReportAllocs()
				cpu := cpuTime()
				f(b, network, size.n)
				b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// binPayload returns a msgpack bin value exactly n bytes long (n >= 6).
func binPayload(n int) msg.Raw {
	switch {
	case n-2 <= 0xff:
		return append(msg.Raw{0xc4, byte(n - 2)}, make([]byte, n-2)...)
	case n-3 <= 0xffff:
		return append(binary.BigEndian.AppendUint16(msg.Raw{0xc5}, uint16(n-3)), make([]byte, n-3)...)
	}
	return append(binary.BigEndian.AppendUint32(msg.Raw{0xc6}, uint32(n-5)), make([]byte, n-5)...)
}

func benchAddr(b *testing.B, network string) Addr {
	if network == "unix" {
		return Unix(filepath.Join(b.TempDir(), "b.sock"))
	}
	return Addr{}
}

// rawPair returns both ends of a bare connection on network.
func rawPair(b *testing.B, network string) (client, server net.Conn) {
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(b.TempDir(), "raw.sock")
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	got := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		got <- c
	}()
	client, err = net.Dial(network, ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	server = <-got
	if server == nil {
		b.Fatal("accept failed")
	}
	b.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// rawReadFrame reads one length-prefixed frame into buf, growing it.
func rawReadFrame(r *bufio.Reader, buf []byte) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return buf, err
	}
	n := int(binary.BigEndian.Uint32(hdr[:]))
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	_, err := io.ReadFull(r, buf)
	return buf, err
}

// BenchmarkRoundTrip: a Yield carrying an n-byte payload goes to a peer
// that echoes it from its own goroutine, and back. Both ends release each
// message they have done with (Channel.Release), as a program that cares
// about large payloads does.
func BenchmarkRoundTrip(b *testing.B) {
	eachShape(b, func(b *testing.B, network string, n int) {
		goroutineRoundTrips(b, network, &msg.Yield{Cid: "c1", Pld: binPayload(n)})
	})
}

// goroutineRoundTrips sends y and waits for its echo b.N times, both ends
// plain goroutines using Send and Recv.
func goroutineRoundTrips(b *testing.B, network string, y msg.Msg) {
	a, c := benchPair(b, network)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := c.Recv(ctx)
			if err != nil || c.Send(ctx, m) != nil {
				return
			}
			c.Release(m) // Send has copied it
		}
	}()
	b.ResetTimer()
	for range b.N {
		if err := a.Send(ctx, y); err != nil {
			b.Fatal(err)
		}
		m, err := a.Recv(ctx)
		if err != nil {
			b.Fatal(err)
		}
		a.Release(m)
	}
	b.StopTimer()
	cancel()
	c.Close()
	<-done
}

// BenchmarkRawRoundTrip is RoundTrip's floor: the payload behind a 4-byte
// length prefix, written in one call and read through a bufio.Reader,
// echoed by a goroutine doing the same.
func BenchmarkRawRoundTrip(b *testing.B) {
	eachShape(b, func(b *testing.B, network string, n int) {
		client, server := rawPair(b, network)
		done := make(chan struct{})
		go func() {
			defer close(done)
			r := bufio.NewReaderSize(server, 64<<10)
			var buf, out []byte
			for {
				var err error
				if buf, err = rawReadFrame(r, buf); err != nil {
					return
				}
				out = binary.BigEndian.AppendUint32(out[:0], uint32(len(buf)))
				out = append(out, buf...)
				if _, err := server.Write(out); err != nil {
					return
				}
			}
		}()
		frame := binary.BigEndian.AppendUint32(nil, uint32(n))
		frame = append(frame, make([]byte, n)...)
		r := bufio.NewReaderSize(client, 64<<10)
		var buf []byte
		b.ResetTimer()
		for range b.N {
			if _, err := client.Write(frame); err != nil {
				b.Fatal(err)
			}
			var err error
			if buf, err = rawReadFrame(r, buf); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		client.Close()
		<-done
	})
}

// BenchmarkStream: one goroutine sends b.N Yields of an n-byte payload,
// another receives and releases them.
func BenchmarkStream(b *testing.B) {
	eachShape(b, func(b *testing.B, network string, n int) {
		a, c := benchPair(b, network)
		y := &msg.Yield{Cid: "c1", Pld: binPayload(n)}
		ctx := context.Background()
		b.ResetTimer()
		go func() {
			for range b.N {
				if a.Send(ctx, y) != nil {
					return
				}
			}
		}()
		for range b.N {
			m, err := c.Recv(ctx)
			if err != nil {
				b.Fatal(err)
			}
			c.Release(m)
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// BenchmarkRawStream is Stream's floor: frames written through a
// bufio.Writer (flushed at the end) and read through a bufio.Reader.
func BenchmarkRawStream(b *testing.B) {
	eachShape(b, func(b *testing.B, network string, n int) {
		client, server := rawPair(b, network)
		body := make([]byte, n)
		b.ResetTimer()
		go func() {
			w := bufio.NewWriterSize(client, 64<<10)
			var hdr [4]byte
			binary.BigEndian.PutUint32(hdr[:], uint32(n))
			for range b.N {
				w.Write(hdr[:])
				if _, err := w.Write(body); err != nil {
					return
				}
			}
			w.Flush()
		}()
		r := bufio.NewReaderSize(server, 64<<10)
		var buf []byte
		for range b.N {
			var err error
			if buf, err = rawReadFrame(r, buf); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// benchPair returns two connected Channels on network, both closed at
// cleanup.
func benchPair(b *testing.B, network string) (a, c *Channel) {
	ln, err := Listen(context.Background(), benchAddr(b, network), quiet(), testToken())
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	cfg, err := newConfig("Listen", forListen, []Option{quiet(), testToken(), WithIdentity(msg.Identity{Name: "b"})})
	if err != nil {
		b.Fatal(err)
	}
	got := make(chan *Channel, 1)
	go func() {
		conn, err := ln.ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		ch, _ := accept(conn, cfg, nil)
		got <- ch
	}()
	a, err = Dial(context.Background(), ln.Addr(), quiet(), testToken())
	if err != nil {
		b.Fatal(err)
	}
	c = <-got
	if c == nil {
		b.Fatal("accept failed")
	}
	b.Cleanup(func() { a.Close(); c.Close() })
	return a, c
}

// BenchmarkHandshake: a legitimate client dials, proves the token, learns
// the listener's identity, and closes; the listener's handler closes its
// side at once. One op is one connection, handshake included.
func BenchmarkHandshake(b *testing.B) {
	for _, network := range benchNets {
		b.Run(network, func(b *testing.B) {
			ln, err := Listen(context.Background(), benchAddr(b, network), quiet(), testToken())
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			served := make(chan error, 1)
			go func() { served <- ln.Serve(ctx, func(ctx context.Context, ch *Channel) { ch.Close() }) }()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				ch, err := Dial(ctx, ln.Addr(), quiet(), testToken())
				if err != nil {
					b.Fatal(err)
				}
				ch.Close()
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conns/s")
			cancel()
			if err := <-served; err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkRecvInTask is a round trip over loopback TCP with a 16-byte
// payload, as BenchmarkRoundTrip/tcp/16B does, in three shapes measured in
// the same run: "tasks", both ends in tasks of one sc runner driven by
// sc.Run (each end a TaskChannel: the request and the echo each go reader
// goroutine -> Inbox.DeliverNow -> a parked task); "tasks-two-runners",
// each end in a task of its own runner, as two actors would be; and
// "goroutines", both ends plain goroutines using Channel.Send and Recv.
// The task shapes run twice, the "-inline" ones with sc.WithInlineDrive.
func BenchmarkRecvInTask(b *testing.B) {
	y := &msg.Yield{Cid: "c1", Pld: binPayload(16)}
	// Each task shape twice: runners that take every delivery through
	// their wake-up queue, and runners that let the reader goroutine drive
	// them while they wait idle (sc.WithInlineDrive).
	for _, mode := range []struct {
		name string
		opts []sc.Option
	}{{"", nil}, {"-inline", []sc.Option{sc.WithInlineDrive()}}} {
		b.Run("tasks"+mode.name, func(b *testing.B) {
			b.ReportAllocs()
			a, c := benchPair(b, "tcp")
			err := sc.Run(func(ctx context.Context) error {
				r := sc.CurrentTask(ctx).Runner()
				ta, tc := ForTasks(a, r, 64), ForTasks(c, r, 64)
				return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
					n.StartSoon("echo", func(ctx context.Context) error { return taskEcho(ctx, tc) })
					return taskRoundTrips(ctx, b, ta, y)
				})
			}, mode.opts...)
			if err != nil {
				b.Fatal(err)
			}
			c.Close()
		})
		b.Run("tasks-two-runners"+mode.name, func(b *testing.B) {
			b.ReportAllocs()
			a, c := benchPair(b, "tcp")
			echoDone := make(chan error, 1)
			go func() {
				echoDone <- sc.Run(func(ctx context.Context) error {
					return taskEcho(ctx, ForTasks(c, sc.CurrentTask(ctx).Runner(), 64))
				}, mode.opts...)
			}()
			err := sc.Run(func(ctx context.Context) error {
				return taskRoundTrips(ctx, b, ForTasks(a, sc.CurrentTask(ctx).Runner(), 64), y)
			}, mode.opts...)
			if err != nil {
				b.Fatal(err)
			}
			if err := <-echoDone; err != nil {
				b.Fatal(err)
			}
			c.Close()
		})
	}
	b.Run("goroutines", func(b *testing.B) {
		b.ReportAllocs()
		goroutineRoundTrips(b, "tcp", y)
	})
}

// taskEcho sends back every message tc receives, until the end.
func taskEcho(ctx context.Context, tc *TaskChannel) error {
	for {
		m, err := tc.Recv(ctx)
		if err != nil {
			return nil // the end
		}
		if err := tc.Send(ctx, m); err != nil {
			return err
		}
	}
}

// taskRoundTrips sends y and waits for its echo b.N times, then closes
// the Channel (off the runner: Close blocks).
func taskRoundTrips(ctx context.Context, b *testing.B, ta *TaskChannel, y msg.Msg) error {
	b.ResetTimer()
	for range b.N {
		if err := ta.Send(ctx, y); err != nil {
			return err
		}
		if _, err := ta.Recv(ctx); err != nil {
			return err
		}
	}
	b.StopTimer()
	return sc.ToGoroutine(ctx, func(context.Context) error { return ta.Channel().Close() }, false)
}
