package loop

// CompareAndSwapGuest stores v in the loop's guest slot if the slot holds
// old (nil for empty), and reports whether it did. The slot is where a
// guest run of package bridge keeps itself while it runs on the loop, so
// that finding the guest of a loop needs no process-wide registry; the
// loop never looks at it. old and v must be nil or of comparable types
// (bridge stores a pointer). Any goroutine.
func (l *Loop) CompareAndSwapGuest(old, v any) bool {
	var next *any
	if v != nil {
		next = &v
	}
	for {
		p := l.guest.Load()
		var cur any
		if p != nil {
			cur = *p
		}
		if cur != old {
			return false
		}
		if l.guest.CompareAndSwap(p, next) {
			return true
		}
	}
}

// Guest returns what the loop's guest slot holds (see
// CompareAndSwapGuest), or nil. Any goroutine.
func (l *Loop) Guest() any {
	if p := l.guest.Load(); p != nil {
		return *p
	}
	return nil
}
