package ipc

import (
	"context"

	"github.com/hitchrt/hitch/actor/msg"
)

// TrySendHeld is TrySend that leaves the writer goroutine asleep: m waits
// in the send queue until the next [Channel.Flush] (or until the writer
// wakes for another reason). A burst of messages queued this way and then
// flushed once goes out in one write, with no goroutine woken for it. It
// fails as TrySend does and never blocks. Whoever calls it must call Flush
// after the burst, or the messages may wait indefinitely.
func (c *Channel) TrySendHeld(m msg.Msg) error {
	return c.enqueue(context.Background(), m, nil, false, false, false)
}

// Flush writes what the send queue holds. When the writer goroutine is
// idle it writes on the calling goroutine, without waiting: what the
// socket takes at once is written, and only the rest (a peer that reads
// slowly) is handed to the writer goroutine, woken for it. When the writer
// is busy, it takes the queue after its current write. Flush never
// blocks, so a task step or a runner job may call it; a Channel that has
// ended or is closing is left to Close. A write error ends the Channel as
// the writer's would.
func (c *Channel) Flush() {
	c.mu.Lock()
	if c.writing || len(c.pend) == 0 || c.err != nil || c.closing {
		c.mu.Unlock()
		return
	}
	if c.inline == nil {
		c.inline = newInlineWriter(c.conn)
	}
	w := c.inline
	buf, fns := c.takeLocked()
	c.mu.Unlock()
	runAll(fns)

	n, werr := w.write(buf)

	c.mu.Lock()
	if n < len(buf) {
		// The rest goes first, before what was queued meanwhile.
		rest := copy(buf, buf[n:])
		buf = append(buf[:rest], c.pend...)
		c.spare, c.pend = c.pend[:0], buf
	} else {
		c.spare = buf[:0]
	}
	c.writing = false
	wake := len(c.pend) > 0 || c.closing
	c.mu.Unlock()
	if werr != nil {
		c.end(c.classify(werr))
		return
	}
	if wake {
		c.kick()
	}
}
