package actor

import (
	"bufio"
	"crypto/rand"
	"testing"

	"github.com/google/uuid"
)

// Dialog ids are random version-4 UUIDs, distinct from each other.
func TestNewIDIsUUIDv4(t *testing.T) {
	a := &Actor{idRand: bufio.NewReaderSize(rand.Reader, 1024)}
	seen := make(map[string]bool)
	for range 1000 {
		s := a.newID()
		u, err := uuid.Parse(s)
		if err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 || u.String() != s {
			t.Fatalf("id %q: %v, version %v, variant %v", s, err, u.Version(), u.Variant())
		}
		if seen[s] {
			t.Fatalf("id %q twice", s)
		}
		seen[s] = true
	}
	if n := testing.AllocsPerRun(100, func() { _ = a.newID() }); n > 1 {
		t.Fatalf("newID allocates %v times, want 1 (the string)", n)
	}
}
