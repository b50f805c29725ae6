package ipc

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/hitchrt/hitch/actor/msg"
)

func quiet() Option { return WithLogger(slog.New(slog.DiscardHandler)) }

// BenchmarkChannelThroughput: one goroutine sends b.N small Yields, another
// receives them, over loopback TCP; writes coalesce.
func BenchmarkChannelThroughput(b *testing.B) {
	a, c, _, _ := pair(b, quiet())
	y := &msg.Yield{Cid: "cid-0001", Pld: msg.Raw{0x2a}}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for range b.N {
			if a.Send(y) != nil {
				return
			}
		}
	}()
	for range b.N {
		if _, err := c.Recv(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkChannelRoundTrip: request and response over loopback TCP, the
// other side echoing on its own goroutine.
func BenchmarkChannelRoundTrip(b *testing.B) {
	a, c, _, _ := pair(b, quiet())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := c.Recv(ctx)
			if err != nil || c.Send(m) != nil {
				return
			}
		}
	}()
	y := &msg.Yield{Cid: "cid-0001", Pld: msg.Raw{0x2a}}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := a.Send(y); err != nil {
			b.Fatal(err)
		}
		if _, err := a.Recv(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cancel()
	<-done
}

// BenchmarkRawTCPRoundTrip is the floor: 16 bytes there and back over a
// bare loopback TCP connection.
func BenchmarkRawTCPRoundTrip(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		buf := make([]byte, 16)
		for {
			if _, err := io.ReadFull(conn, buf); err != nil {
				return
			}
			if _, err := conn.Write(buf); err != nil {
				return
			}
		}
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 16)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := conn.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(conn, buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	conn.Close()
	<-done
}
