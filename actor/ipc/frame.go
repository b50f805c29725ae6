package ipc

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxFrame is the largest frame body accepted or sent when no
// [WithMaxFrame] option is given: 32 MiB.
const DefaultMaxFrame = 32 << 20

// headerLen is the size of a frame's length prefix: a 4-byte big-endian
// unsigned body length.
const headerLen = 4

// ErrFrame is the category of framing failures: errors.Is(err, ErrFrame)
// holds for every [*FrameError].
var ErrFrame = errors.New("ipc: bad frame")

// FrameError says why a frame could not be read or written: an oversized
// length or a truncated frame.
type FrameError struct {
	Len    uint64 // the length the header announced (or the body had)
	Max    int    // the configured maximum
	Got    int    // bytes of the frame actually read, for a truncated frame
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

// slabSize is the size of the chunks small frame bodies are carved from;
// frames above slabMaxCarve get their own allocation.
const (
	slabSize     = 64 << 10
	slabMaxCarve = 8 << 10
)

// FrameReader reads length-prefixed frames from a stream. It is not safe for
// concurrent use; a connection has one, owned by its reading goroutine.
//
// The body slices it returns are never reused or overwritten by later reads
// (small bodies are carved from shared chunks, so holding one keeps its
// chunk alive): a decoded message may keep referring to its frame.
type FrameReader struct {
	r    *bufio.Reader
	max  int
	hdr  [headerLen]byte
	slab []byte
}

// NewFrameReader returns a FrameReader on r that refuses bodies longer than
// max bytes (max <= 0 means [DefaultMaxFrame]).
func NewFrameReader(r io.Reader, max int) *FrameReader {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	return &FrameReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// ReadFrame reads one frame and returns its body.
//
// It returns io.EOF, and nothing else, when the stream ends cleanly between
// frames. A length above the maximum is refused before anything is
// allocated, and a stream ending inside a header or body is reported, both
// as a [*FrameError]; other I/O errors are returned as they are. After an
// error the reader must not be used again. ReadFrame never panics.
func (fr *FrameReader) ReadFrame() ([]byte, error) {
	n, err := io.ReadFull(fr.r, fr.hdr[:])
	if err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		if err == io.ErrUnexpectedEOF {
			return nil, &FrameError{Max: fr.max, Got: n, Reason: "stream ended inside a frame header", Err: err}
		}
		return nil, err
	}
	size := binary.BigEndian.Uint32(fr.hdr[:])
	if uint64(size) > uint64(fr.max) {
		return nil, &FrameError{Len: uint64(size), Max: fr.max, Reason: "length exceeds the maximum"}
	}
	body := fr.alloc(int(size))
	if n, err := io.ReadFull(fr.r, body); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, &FrameError{Len: uint64(size), Max: fr.max, Got: n, Reason: "stream ended inside a frame body", Err: io.ErrUnexpectedEOF}
		}
		return nil, err
	}
	return body, nil
}

// alloc returns n fresh bytes, carving small ones from the current slab.
func (fr *FrameReader) alloc(n int) []byte {
	if n > slabMaxCarve {
		return make([]byte, n)
	}
	if len(fr.slab) < n {
		fr.slab = make([]byte, slabSize)
	}
	b := fr.slab[:n:n]
	fr.slab = fr.slab[n:]
	return b
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
