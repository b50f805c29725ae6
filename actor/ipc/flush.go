package ipc

import (
	"context"

	"github.com/hitchrt/hitch/actor/msg"
)

// TrySendHeld is TrySend that leaves the writer goroutine asleep: m waits
// in the send queue until the next [Channel.Flush] (or until a write
// starts for another reason). A burst of messages queued this way and then
// flushed once goes out in one write, with no goroutine woken for it. It
// fails as TrySend does and never blocks. Whoever calls it must call Flush
// after the burst, or the messages may wait indefinitely.
func (c *Channel) TrySendHeld(m msg.Msg) error {
	return c.enqueue(context.Background(), m, nil, false, false, true)
}

// Flush writes what the send queue holds. When no write is in progress it
// writes on the calling goroutine, without waiting: what the socket takes
// at once is written, and only the rest (a peer that reads slowly) is
// handed to the writer goroutine. When a write is in progress, the queue
// follows it. Flush never blocks, so a task step or a runner job may call
// it; a Channel that has ended or is closing is left to Close. A write
// error ends the Channel as the writer's would.
func (c *Channel) Flush() {
	c.mu.Lock()
	if c.writing || len(c.pend) == 0 || c.err != nil || c.closing {
		c.mu.Unlock()
		return
	}
	if c.iw != nil {
		c.writeInline()
		return
	}
	c.mu.Unlock()
	c.kick()
}
