package ipc

import (
	"bytes"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestFrameRoundTrip(t *testing.T) {
	var b []byte
	bodies := [][]byte{{}, []byte("a"), bytes.Repeat([]byte{9}, 20000)}
	for _, body := range bodies {
		var err error
		if b, err = AppendFrame(b, body, 0); err != nil {
			t.Fatal(err)
		}
	}
	fr := NewFrameReader(bytes.NewReader(b), 0)
	var kept [][]byte
	for _, want := range bodies {
		got, err := fr.ReadFrame()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("ReadFrame = %d bytes, %v; want %d bytes", len(got), err, len(want))
		}
		kept = append(kept, got)
	}
	if _, err := fr.ReadFrame(); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}
	for i, want := range bodies { // earlier bodies were not overwritten
		if !bytes.Equal(kept[i], want) {
			t.Fatalf("body %d changed after later reads", i)
		}
	}
}

// TestOversizedLengthRefusedBeforeAllocating: a hostile 2 GiB length is
// refused without allocating anything near its size.
func TestOversizedLengthRefusedBeforeAllocating(t *testing.T) {
	fr := NewFrameReader(bytes.NewReader([]byte{0x7f, 0xff, 0xff, 0xff, 1, 2, 3}), 1024)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := fr.ReadFrame()
	runtime.ReadMemStats(&after)
	var fe *FrameError
	if !errors.As(err, &fe) || fe.Len != 0x7fffffff || fe.Max != 1024 {
		t.Fatalf("ReadFrame = %v, want a FrameError with the length", err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > readBufSize+4<<10 { // the input buffer, no more
		t.Fatalf("refusing a huge length allocated %d bytes", d)
	}
}

func TestTruncatedFrames(t *testing.T) {
	for _, in := range [][]byte{{0}, {0, 0, 0}, {0, 0, 0, 5}, {0, 0, 0, 5, 1, 2}} {
		_, err := NewFrameReader(bytes.NewReader(in), 0).ReadFrame()
		if !errors.Is(err, ErrFrame) || !errors.Is(err, io.ErrUnexpectedEOF) && len(in) >= 4 {
			t.Fatalf("%v: %v, want a truncation FrameError", in, err)
		}
	}
}

func TestAppendFrameRefusesOversized(t *testing.T) {
	dst := []byte("keep")
	out, err := AppendFrame(dst, make([]byte, 11), 10)
	if !errors.Is(err, ErrFrame) || string(out) != "keep" {
		t.Fatalf("AppendFrame = %q, %v", out, err)
	}
}

// FuzzFrameReader: whatever the stream, ReadFrame returns frames within the
// limit, then io.EOF or a FrameError, and never panics.
func FuzzFrameReader(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 1, 9})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 200, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 256
		fr := NewFrameReader(bytes.NewReader(data), max)
		total := 0
		for {
			body, err := fr.ReadFrame()
			if err != nil {
				if err != io.EOF && !errors.Is(err, ErrFrame) {
					t.Fatalf("unexpected error %v", err)
				}
				if err == io.EOF && total != len(data) {
					t.Fatalf("EOF after %d of %d bytes", total, len(data))
				}
				return
			}
			if len(body) > max {
				t.Fatalf("frame of %d bytes over the limit", len(body))
			}
			total += headerLen + len(body)
		}
	})
}

// TestFramesAcrossReads: frames arriving a byte at a time, including one
// longer than a body is given up front, come out whole.
func TestFramesAcrossReads(t *testing.T) {
	bodies := [][]byte{[]byte("x"), bytes.Repeat([]byte{5}, 70000), bytes.Repeat([]byte{6}, upfrontMax+12345), {}}
	var b []byte
	for _, body := range bodies {
		b, _ = AppendFrame(b, body, 0)
	}
	fr := NewFrameReader(iotest.OneByteReader(bytes.NewReader(b)), 0)
	for i, want := range bodies {
		got, err := fr.ReadFrame()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: %d bytes, %v; want %d bytes", i, len(got), err, len(want))
		}
	}
	if _, err := fr.ReadFrame(); err != io.EOF {
		t.Fatalf("at the end: %v", err)
	}
}

// TestFrameBodyGrowsAsBytesArrive: a header announcing 16 MiB followed by
// 1 KiB costs about what arrived, not what was announced.
func TestFrameBodyGrowsAsBytesArrive(t *testing.T) {
	in := append([]byte{0x01, 0, 0, 0}, make([]byte, 1024)...)
	fr := NewFrameReader(bytes.NewReader(in), 0)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := fr.ReadFrame()
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrFrame) || !strings.Contains(err.Error(), "inside a frame body") {
		t.Fatalf("ReadFrame = %v, want a truncated body", err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 4*upfrontMax { // the input buffer and the first 256 KiB, with room for -race
		t.Fatalf("a 1 KiB start of a 16 MiB frame allocated %d bytes", d)
	}
}

// TestFrameStalls: a frame that stops arriving is cut off by the progress
// bound; a quiet stream between frames is not.
func TestFrameStalls(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	fr := newHandshakeReader(server)
	fr.upgrade(DefaultMaxFrame, server, 20*time.Millisecond)
	go func() {
		client.Write(rawFrame([]byte("whole")))
		client.Write([]byte{0, 0x10, 0, 0, 1, 2, 3}) // 1 MiB announced, 3 bytes sent
	}()
	if body, err := fr.ReadFrame(); err != nil || string(body) != "whole" {
		t.Fatalf("first frame: %q, %v", body, err)
	}
	_, err := fr.ReadFrame()
	var fe *FrameError
	if !errors.As(err, &fe) || !strings.Contains(fe.Reason, "stalled") || fe.Got != 3 || fe.Len != 1<<20 {
		t.Fatalf("stalled frame: %v", err)
	}
}

// TestBodiesNeverOverwritten: small bodies are slices of the input buffer;
// thousands of frames of mixed sizes, arriving in pieces of every size,
// leave every body returned as it was.
func TestBodiesNeverOverwritten(t *testing.T) {
	var want [][]byte
	var stream []byte
	for i := range 3000 {
		n := []int{0, 1, 16, 1000, slabMaxCarve, slabMaxCarve + 1, 20000, largeFrame + 1}[i%8]
		body := bytes.Repeat([]byte{byte(i)}, n)
		want = append(want, body)
		stream, _ = AppendFrame(stream, body, 0)
	}
	for _, r := range []io.Reader{bytes.NewReader(stream), iotest.HalfReader(bytes.NewReader(stream)), iotest.OneByteReader(bytes.NewReader(stream))} {
		fr := NewFrameReader(r, 0)
		var got [][]byte
		for range want {
			b, err := fr.ReadFrame()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, b)
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("body %d changed after later reads", i)
			}
		}
	}
}
