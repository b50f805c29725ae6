package loop

import "sync"

type closeHooks struct {
	mu     sync.Mutex
	hooks  map[*func()]struct{}
	closed bool
}

// OnClose registers fn to run during Close on the goroutine calling it
// (the loop's), after the callbacks queued before Close have run and
// before unfinished tasks are stopped. It is the place to reclaim work
// that only the loop's goroutine may touch, such as a guest run's
// coroutines. remove unregisters fn (idempotent). Any goroutine; after
// Close it returns ErrClosed and fn never runs. Hooks run in no particular
// order; a panic in one is reported to the exception handler.
func (l *Loop) OnClose(fn func()) (remove func(), err error) {
	h := &l.onClose
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || fn == nil {
		if fn == nil {
			return func() {}, misuse("OnClose: nil func")
		}
		return func() {}, ErrClosed
	}
	if h.hooks == nil {
		h.hooks = make(map[*func()]struct{})
	}
	key := &fn
	h.hooks[key] = struct{}{}
	return func() {
		h.mu.Lock()
		delete(h.hooks, key)
		h.mu.Unlock()
	}, nil
}

func (l *Loop) runCloseHooks() {
	h := &l.onClose
	h.mu.Lock()
	h.closed = true
	hooks := h.hooks
	h.hooks = nil
	h.mu.Unlock()
	for fn := range hooks {
		l.call(*fn)
	}
}
