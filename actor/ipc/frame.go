package ipc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// DefaultMaxFrame is the largest frame body accepted or sent when no
// [WithMaxFrame] option is given: 32 MiB.
const DefaultMaxFrame = 32 << 20

// maxHandshakeFrame is the largest frame body accepted during the
// handshake, before the peer has proved anything: enough for an identity.
const maxHandshakeFrame = 4 << 10

// headerLen is the size of a frame's length prefix: a 4-byte big-endian
// unsigned body length.
const headerLen = 4

// ErrFrame is the category of framing failures: errors.Is(err, ErrFrame)
// holds for every [*FrameError].
var ErrFrame = errors.New("ipc: bad frame")

// FrameError says why a frame could not be read or written: an oversized
// length, a truncated frame, or one that stalled.
type FrameError struct {
	Len    uint64 // the length the header announced (or the body had)
	Max    int    // the configured maximum
	Got    int    // bytes of the frame actually read, for a truncated or stalled frame
	Reason string
	Err    error // the I/O error that cut the frame short, if any
}

// Error names the length, the limit and the reason.
func (e *FrameError) Error() string {
	s := fmt.Sprintf("ipc: bad frame: %s (length %d, max %d", e.Reason, e.Len, e.Max)
	if e.Got > 0 || e.Err != nil {
		s += fmt.Sprintf(", got %d bytes", e.Got)
	}
	s += ")"
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is matches ErrFrame.
func (e *FrameError) Is(target error) bool { return target == ErrFrame }

// Unwrap returns the I/O error, if any.
func (e *FrameError) Unwrap() error { return e.Err }

const (
	// readBufSize is the input buffer of an authenticated connection;
	// during the handshake the buffer is just big enough for one frame.
	readBufSize = 64 << 10
	// slabMaxCarve is the largest body returned as a slice of the input
	// buffer itself (see FrameReader.shared); larger ones get a buffer of
	// their own.
	slabMaxCarve = 512
	// minRead is the least room worth reading into at the end of a buffer
	// whose front belongs to bodies handed out; with less, a fresh buffer
	// is started.
	minRead = 8 << 10
	// largeFrame and largeLead: after a frame above largeFrame, the read
	// between frames takes at most largeLead bytes.
	largeFrame = 32 << 10
	largeLead  = 4 << 10
	// upfrontMax is the most a body is given on the strength of its length
	// prefix alone; a longer body grows as its bytes arrive.
	upfrontMax = 256 << 10
	// progressChunk is how much of a started frame must arrive within the
	// progress bound.
	progressChunk = 64 << 10
)

// deadliner is the part of net.Conn the progress bound needs.
type deadliner interface{ SetReadDeadline(time.Time) error }

// FrameReader reads length-prefixed frames from a stream. It is not safe for
// concurrent use; a connection has one, owned by its reading goroutine.
//
// The body slices it returns are never reused or overwritten by later reads
// (a small body is a slice of the 64 KiB input buffer it arrived in, which
// is then never reused, so holding one keeps that buffer alive): a decoded
// message may keep referring to its frame.
//
// Memory follows the bytes that arrived, not the lengths announced: a body
// gets at most 256 KiB on the strength of its header, and grows as the rest
// of it arrives.
type FrameReader struct {
	r          io.Reader
	max        int
	buf        []byte // input buffer; buf[start:end] is read but unconsumed
	bufSize    int    // the size buf grows to once it is empty
	start, end int
	// carve: small bodies are returned as slices of buf, which is then
	// shared: the bytes before start may belong to bodies handed out, so
	// buf is never reused or compacted, only replaced.
	carve  bool
	shared bool
	large  bool // the last frame was above largeFrame

	// The progress bound, when set: dl sets r's read deadline.
	dl       deadliner
	progress time.Duration
	dlSet    bool // a read deadline is in force

	// A body whose reading was interrupted (see intr): len(body) of need
	// bytes have arrived, since of them under the current deadline.
	body        []byte
	need, since int

	// intr, when set, says whether a read that failed on its deadline was
	// interrupted on purpose (a Recv whose ctx ended) rather than stalled:
	// ReadFrame then returns errInterrupted and resumes where it stopped
	// on the next call.
	intr func() bool

	// pool, when set, gives large bodies their buffers; lentBuf is the
	// buffer behind the body last returned, when it came from pool.
	pool    *bodyPool
	lentBuf []byte
}

// errInterrupted is ReadFrame's answer when intr reports an interruption:
// nothing is lost, and the next call carries on with the same frame.
var errInterrupted = errors.New("ipc: read interrupted")

// NewFrameReader returns a FrameReader on r that refuses bodies longer than
// max bytes (max <= 0 means [DefaultMaxFrame]).
func NewFrameReader(r io.Reader, max int) *FrameReader {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	return &FrameReader{r: r, max: max, bufSize: readBufSize, carve: true}
}

// newHandshakeReader returns a FrameReader for the handshake: frames of at
// most maxHandshakeFrame bytes, and a buffer no bigger than one of them.
func newHandshakeReader(r io.Reader) *FrameReader {
	return &FrameReader{r: r, max: maxHandshakeFrame, bufSize: 512}
}

// upgrade turns a handshake reader into a Channel's: the normal frame
// limit, a full-size buffer from the next frame on (what was read past the
// handshake is kept), small bodies handed out from the input buffer, and
// the progress bound on dl.
func (fr *FrameReader) upgrade(max int, dl deadliner, progress time.Duration) {
	fr.max, fr.bufSize, fr.carve = max, readBufSize, true
	fr.dl, fr.progress = dl, progress
}

// ReadFrame reads one frame and returns its body.
//
// It returns io.EOF, and nothing else, when the stream ends cleanly between
// frames. A length above the maximum is refused before anything is
// allocated, and a stream ending inside a header or body is reported, both
// as a [*FrameError]; other I/O errors are returned as they are. After an
// error the reader must not be used again. ReadFrame never panics.
//
// (Inside the package, an interruption (see intr) is the one error after
// which the reader carries on.)
func (fr *FrameReader) ReadFrame() ([]byte, error) {
	body, err := fr.readFrame()
	if fr.dlSet {
		fr.dlSet = false
		if derr := fr.dl.SetReadDeadline(time.Time{}); err == nil && derr != nil {
			return nil, derr
		}
	}
	return body, err
}

func (fr *FrameReader) readFrame() ([]byte, error) {
	if fr.need > 0 {
		return fr.readBody() // resume an interrupted body
	}
	fr.lentBuf = nil
	if fr.end == fr.start {
		// Between frames: wait as long as it takes, with no deadline.
		if !fr.shared {
			fr.start, fr.end = 0, 0
		}
		if len(fr.buf) < fr.bufSize || fr.shared && len(fr.buf)-fr.end < minRead {
			fr.buf = make([]byte, fr.bufSize)
			fr.start, fr.end, fr.shared = 0, 0, false
		}
		// After a large frame, expect another: read little, so that most
		// of its body goes straight into its own buffer, not through this
		// one.
		in := fr.buf[fr.end:]
		if fr.large && len(in) > largeLead {
			in = in[:largeLead]
		}
		n, err := fr.r.Read(in)
		fr.end += n
		if n == 0 {
			if err == nil || err == io.EOF {
				return nil, io.EOF
			}
			if fr.interrupted(err) {
				return nil, errInterrupted
			}
			return nil, err
		}
	}
	// The frame has started: from here on, every read that has to wait
	// is under the progress bound.
	for fr.end-fr.start < headerLen {
		if err := fr.fill(headerLen); err != nil {
			if err == io.EOF {
				return nil, &FrameError{Max: fr.max, Got: fr.end - fr.start, Reason: "stream ended inside a frame header", Err: io.ErrUnexpectedEOF}
			}
			if fr.interrupted(err) {
				return nil, errInterrupted
			}
			return nil, fr.stalled(err, 0, fr.end-fr.start)
		}
	}
	size := binary.BigEndian.Uint32(fr.buf[fr.start:])
	if uint64(size) > uint64(fr.max) {
		return nil, &FrameError{Len: uint64(size), Max: fr.max, Reason: "length exceeds the maximum"}
	}
	n := int(size)
	fr.large = n > largeFrame
	if fr.carve && n <= slabMaxCarve {
		// Small: gather the whole frame in buf and hand out its body
		// there, with no copy.
		for fr.end-fr.start < headerLen+n {
			if err := fr.fill(headerLen + n); err != nil {
				got := fr.end - fr.start - headerLen
				if err == io.EOF {
					return nil, &FrameError{Len: uint64(n), Max: fr.max, Got: got, Reason: "stream ended inside a frame body", Err: io.ErrUnexpectedEOF}
				}
				if fr.interrupted(err) {
					return nil, errInterrupted
				}
				return nil, fr.stalled(err, uint64(n), got)
			}
		}
		s := fr.start + headerLen
		fr.start = s + n
		fr.shared = true
		return fr.buf[s : s+n : s+n], nil
	}
	fr.start += headerLen
	if fr.end-fr.start >= n {
		body := fr.alloc(n)
		copy(body, fr.buf[fr.start:])
		fr.start += n
		return body, nil
	}
	// The body is not all buffered yet: take what is, then read the rest
	// straight into it.
	var body []byte
	if n <= upfrontMax {
		body = fr.alloc(n)[:0]
	} else {
		body = make([]byte, 0, upfrontMax)
	}
	fr.body = append(body, fr.buf[fr.start:fr.end]...)
	fr.need, fr.since = n, 0
	fr.start = fr.end
	return fr.readBody()
}

// hasFrame reports whether a whole frame is buffered, so ReadFrame will
// return it (or its error) without reading.
func (fr *FrameReader) hasFrame() bool {
	if fr.need > 0 || fr.end-fr.start < headerLen {
		return false
	}
	size := binary.BigEndian.Uint32(fr.buf[fr.start:])
	return uint64(size) > uint64(fr.max) || uint64(fr.end-fr.start-headerLen) >= uint64(size)
}

// readBody reads the rest of the body in fr.body, need bytes in all.
func (fr *FrameReader) readBody() ([]byte, error) {
	body, n := fr.body, fr.need
	for len(body) < n {
		if len(body) == cap(body) {
			// The bytes so far have arrived: grow for more of them.
			nb := make([]byte, len(body), min(n, 2*cap(body)))
			copy(nb, body)
			body = nb
		}
		if !fr.dlSet || fr.since >= progressChunk {
			fr.since = 0
			if err := fr.armDeadline(); err != nil {
				return nil, err
			}
		}
		// Straight into the body, never past it: the next frame's bytes
		// stay in the stream.
		m, err := fr.r.Read(body[len(body):cap(body)])
		body = body[:len(body)+m]
		fr.since += m
		if err != nil && len(body) < n {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, &FrameError{Len: uint64(n), Max: fr.max, Got: len(body), Reason: "stream ended inside a frame body", Err: io.ErrUnexpectedEOF}
			}
			if fr.interrupted(err) {
				fr.body = body
				return nil, errInterrupted
			}
			return nil, fr.stalled(err, uint64(n), len(body))
		}
	}
	fr.body, fr.need = nil, 0
	return body, nil
}

// interrupted reports whether err ended a read on purpose (see intr). The
// frame in progress then gets a fresh progress bound when reading resumes.
func (fr *FrameReader) interrupted(err error) bool {
	if fr.intr == nil || !errors.Is(err, os.ErrDeadlineExceeded) || !fr.intr() {
		return false
	}
	fr.dlSet = false
	return true
}

// fill reads more input into the buffer, first making room for want bytes
// from start: unconsumed bytes move to the front of the buffer, or, when
// the buffer is shared or too small, to a fresh one.
func (fr *FrameReader) fill(want int) error {
	if !fr.dlSet {
		if err := fr.armDeadline(); err != nil {
			return err
		}
	}
	if fr.end == len(fr.buf) || len(fr.buf)-fr.start < want {
		buf := fr.buf
		if fr.shared || len(buf) < want {
			buf = make([]byte, max(fr.bufSize, want))
		}
		fr.end = copy(buf, fr.buf[fr.start:fr.end])
		fr.start, fr.buf, fr.shared = 0, buf, false
	}
	n, err := fr.r.Read(fr.buf[fr.end:])
	fr.end += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// armDeadline gives the frame in progress another progress bound. It is
// called only before a read that may wait, so a frame that arrives whole
// costs no deadline calls.
func (fr *FrameReader) armDeadline() error {
	if fr.dl == nil {
		return nil
	}
	fr.dlSet = true
	return fr.dl.SetReadDeadline(time.Now().Add(fr.progress))
}

// stalled turns a read error inside a frame into the error to return: a
// FrameError when the progress bound ran out.
func (fr *FrameReader) stalled(err error, n uint64, got int) error {
	if fr.dlSet && errors.Is(err, os.ErrDeadlineExceeded) {
		return &FrameError{Len: n, Max: fr.max, Got: got, Reason: fmt.Sprintf("frame stalled: under 64 KiB arrived in %v", fr.progress), Err: err}
	}
	return err
}

// alloc returns n bytes no message refers to, taking large ones from the
// pool, if there is one.
func (fr *FrameReader) alloc(n int) []byte {
	if n > slabMaxCarve && n <= poolMax && fr.pool != nil {
		buf := fr.pool.get(n)
		fr.lentBuf = buf
		return buf[:n:n]
	}
	return make([]byte, n)
}

// AppendFrame appends body to dst as one frame (length prefix, then body)
// and returns the extended slice. It fails, leaving dst unchanged, when body
// is longer than max (max <= 0 means [DefaultMaxFrame]).
func AppendFrame(dst, body []byte, max int) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	if len(body) > max {
		return dst, &FrameError{Len: uint64(len(body)), Max: max, Reason: "outgoing body exceeds the maximum"}
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(body)))
	return append(dst, body...), nil
}
