//go:build linux

package chaos_test

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/hitchrt/hitch/actor/ipc"
)

// shutdownListener kills the listening socket at addr in this process the
// way the kernel would take it away: shutdown(2) on the socket, not close,
// so the descriptor stays the runtime's to close and cannot be reused
// under it. The pending accept fails (EINVAL), the runtime's listener
// stops, and new connections are refused; connections accepted before go
// on. It is the closest a test can come to a listener dying under a live
// actor without reaching into the runtime.
func shutdownListener(addr ipc.Addr) error {
	if addr.Network != "tcp" {
		return fmt.Errorf("chaos: shutdownListener: %v is not a TCP address", addr)
	}
	_, portText, err := net.SplitHostPort(addr.Address)
	if err != nil {
		return fmt.Errorf("chaos: shutdownListener: %w", err)
	}
	port, _ := strconv.Atoi(portText)
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return fmt.Errorf("chaos: shutdownListener: %w", err)
	}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if link, err := os.Readlink("/proc/self/fd/" + e.Name()); err != nil || !strings.HasPrefix(link, "socket:") {
			continue
		}
		if v, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_ACCEPTCONN); err != nil || v != 1 {
			continue
		}
		sa, err := syscall.Getsockname(fd)
		if err != nil {
			continue
		}
		var p int
		switch sa := sa.(type) {
		case *syscall.SockaddrInet4:
			p = sa.Port
		case *syscall.SockaddrInet6:
			p = sa.Port
		}
		if p != port {
			continue
		}
		if err := syscall.Shutdown(fd, syscall.SHUT_RDWR); err != nil {
			return fmt.Errorf("chaos: shutdownListener: shutdown(%d): %w", fd, err)
		}
		return nil
	}
	return fmt.Errorf("chaos: shutdownListener: no listening socket on port %d", port)
}
