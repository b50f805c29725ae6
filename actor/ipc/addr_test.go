package ipc

import (
	"errors"
	"testing"
)

func TestAddrTextRoundTrip(t *testing.T) {
	for _, s := range []string{"tcp://127.0.0.1:1234", "unix:///run/hitch/a.sock", "tcp://[::1]:80"} {
		a, err := ParseAddr(s)
		if err != nil {
			t.Fatal(err)
		}
		if a.String() != s {
			t.Fatalf("%q -> %q", s, a.String())
		}
		txt, _ := a.MarshalText()
		var b Addr
		if err := b.UnmarshalText(txt); err != nil || b != a {
			t.Fatalf("text round trip of %q: %v %v", s, b, err)
		}
	}
	if TCP("h:1").String() != "tcp://h:1" || Unix("/x").String() != "unix:///x" {
		t.Fatal("constructors")
	}
}

func TestParseAddrRejects(t *testing.T) {
	for _, s := range []string{"", "127.0.0.1:1", "udp://h:1", "tcp://"} {
		if _, err := ParseAddr(s); !errors.Is(err, ErrBadAddr) {
			t.Fatalf("ParseAddr(%q) = %v, want ErrBadAddr", s, err)
		}
	}
}
