package ipc

import (
	"errors"
	"fmt"
	"strings"
)

// Addr is a transport endpoint: a network ("tcp" or "unix") and an address
// in that network ("127.0.0.1:1234", "/run/x.sock"). The zero Addr means
// [DefaultAddr] wherever an address to listen on is expected.
//
// An Addr travels as text: "tcp://127.0.0.1:1234" or "unix:///run/x.sock";
// [ParseAddr] and [Addr.String] are inverses, and Addr implements
// encoding.TextMarshaler and TextUnmarshaler with the same form.
type Addr struct {
	Network string // "tcp" or "unix"
	Address string // host:port for tcp, a file path for unix
}

// DefaultAddr is loopback TCP on an ephemeral port.
var DefaultAddr = Addr{Network: "tcp", Address: "127.0.0.1:0"}

// ErrBadAddr is the category of unparsable or unsupported addresses.
var ErrBadAddr = errors.New("ipc: bad address")

// TCP returns the tcp Addr for hostport.
func TCP(hostport string) Addr { return Addr{Network: "tcp", Address: hostport} }

// Unix returns the unix socket Addr for path.
func Unix(path string) Addr { return Addr{Network: "unix", Address: path} }

// IsZero reports whether a is the zero Addr.
func (a Addr) IsZero() bool { return a == Addr{} }

// String returns the text form, "tcp://host:port" or "unix:///path"; the
// zero Addr gives "".
func (a Addr) String() string {
	if a.IsZero() {
		return ""
	}
	return a.Network + "://" + a.Address
}

// ParseAddr parses the text form written by [Addr.String]. It fails, with an
// error matching [ErrBadAddr] that quotes s, for an unknown network or an
// empty address.
func ParseAddr(s string) (Addr, error) {
	netw, rest, ok := strings.Cut(s, "://")
	if !ok {
		return Addr{}, fmt.Errorf("%w %q: want tcp://host:port or unix:///path", ErrBadAddr, s)
	}
	a := Addr{Network: netw, Address: rest}
	if err := a.check(); err != nil {
		return Addr{}, err
	}
	return a, nil
}

func (a Addr) check() error {
	switch a.Network {
	case "tcp", "unix":
	default:
		return fmt.Errorf("%w %q: unknown network %q (want tcp or unix)", ErrBadAddr, a.String(), a.Network)
	}
	if a.Address == "" {
		return fmt.Errorf("%w %q: empty address", ErrBadAddr, a.String())
	}
	return nil
}

// MarshalText returns the text form.
func (a Addr) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses the text form into a.
func (a *Addr) UnmarshalText(b []byte) error {
	p, err := ParseAddr(string(b))
	if err != nil {
		return err
	}
	*a = p
	return nil
}
