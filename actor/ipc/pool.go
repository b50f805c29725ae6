package ipc

import (
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/hitchrt/hitch/actor/msg"
)

// bodyPool recycles the buffers of large received frames. A frame body
// above slabMaxCarve and at most poolMax bytes is read into a buffer from
// the pool, and the message decoded from it is remembered (the last
// poolLent of them); Channel.Release of such a message puts its buffer
// back for the next large frame. A buffer whose message is never released
// is left to the garbage collector, as any body is without a pool: the
// pool only ever holds poolFree buffers and poolLent messages.
//
// Reusing buffers matters more than it looks: a fresh 64 KiB body costs
// zeroing and writes to memory not in cache, three times the CPU of the
// copy itself.
type bodyPool struct {
	nlent atomic.Int32 // entries in lent, read without mu so small messages skip it
	mu    sync.Mutex
	free  [][]byte
	lent  [poolLent]lentBody // a ring; next is the oldest entry
	next  int
	off   bool // the Channel has ended: hold nothing more
}

type lentBody struct {
	m   msg.Msg
	buf []byte
}

const (
	poolMax  = upfrontMax // larger bodies grow as they arrive and are not pooled
	poolFree = 4
	poolLent = 8
	// poolRound rounds a new buffer's size up, so that frames of nearby
	// sizes can share it (the allocator rounds large objects to pages);
	// a smaller buffer is rounded to a power of two.
	poolRound = 8 << 10
)

// get returns a buffer of at least n bytes (slabMaxCarve < n <= poolMax),
// a released one when one is big enough.
func (p *bodyPool) get(n int) []byte {
	p.mu.Lock()
	for i, b := range p.free {
		if cap(b) >= n {
			last := len(p.free) - 1
			p.free[i] = p.free[last]
			p.free[last] = nil
			p.free = p.free[:last]
			p.mu.Unlock()
			return b[:cap(b)]
		}
	}
	p.mu.Unlock()
	if n >= poolRound {
		return make([]byte, (n+poolRound-1)/poolRound*poolRound)
	}
	return make([]byte, 1<<bits.Len(uint(n-1)))
}

// lend remembers that m was decoded from buf.
func (p *bodyPool) lend(m msg.Msg, buf []byte) {
	p.mu.Lock()
	if !p.off {
		if p.lent[p.next].m == nil {
			p.nlent.Add(1)
		}
		p.lent[p.next] = lentBody{m, buf}
		p.next = (p.next + 1) % poolLent
	}
	p.mu.Unlock()
}

// release takes back the buffer m was decoded from, if m is one of the
// messages remembered; anything else is ignored.
func (p *bodyPool) release(m msg.Msg) {
	if m == nil || p.nlent.Load() == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.lent {
		if e := &p.lent[i]; e.m == m {
			if len(p.free) < poolFree && !p.off {
				p.free = append(p.free, e.buf)
			}
			*e = lentBody{}
			p.nlent.Add(-1)
			return
		}
	}
}

// drop lets go of everything once the Channel has ended.
func (p *bodyPool) drop() {
	p.mu.Lock()
	p.off = true
	p.free = nil
	p.lent = [poolLent]lentBody{}
	p.nlent.Store(0)
	p.mu.Unlock()
}
