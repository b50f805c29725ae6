//go:build unix

package discovery_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/ipc"
	"github.com/hitchrt/hitch/actor/sc"
)

// where reports the address its actor listens on.
var where = actor.Func("discovery.where", func(ctx context.Context, _ int) (string, error) {
	a, err := actor.Current(ctx)
	if err != nil {
		return "", err
	}
	return a.Addr().String(), nil
})

// runRemote is a program on another host: it joins the tree at regAddr,
// listening on host ip (its arg), as "remote" with a child "remote-kid",
// and holds them until its stdin is closed.
func runRemote(regAddr ipc.Addr, token []byte, ip string) error {
	return actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			if _, err := n.StartActor(ctx, "remote-kid"); err != nil {
				return err
			}
			fmt.Println("ready")
			if err := sc.ToGoroutine(ctx, func(context.Context) error {
				_, err := io.Copy(io.Discard, os.Stdin)
				return err
			}, false); err != nil {
				return err
			}
			return n.Cancel(ctx)
		})
	}, actor.WithName("remote"), actor.WithToken(token), actor.WithRegistryAddr(regAddr),
		actor.WithListenAddr(ipc.TCP(net.JoinHostPort(ip, "0"))))
}

// crossHost opens the tree's registry listening on host regIP and starts
// the remote program (through prefix, if any) listening on host listen,
// which is remoteIP or every interface of the remote host. The registry's
// side finds the remote program's root and its child by name, sees them
// listen on listen, registered at remoteIP, and calls them there; the
// child finds the registry's root by name and calls it back.
func crossHost(t *testing.T, regIP, listen, remoteIP string, prefix []string) {
	token := []byte("cross-host test token")
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return sc.FailAfter(ctx, bound, func(ctx context.Context) error {
			rc, err := dialRegistry(ctx, a.Addr(), token)
			if err != nil {
				return err
			}
			defer rc.ch.Close()
			prog, err := startProgram(t, prefix, "remote", a.Addr(), token, listen)
			if err != nil {
				return err
			}
			for _, name := range []string{"remote", "remote-kid"} {
				p, err := actor.WaitForActor(ctx, name)
				if err != nil {
					return err
				}
				addr, err := where.Run(ctx, p, 0)
				if err != nil {
					return fmt.Errorf("calling %s: %w", name, err)
				}
				if !sameHost(addr, listen) {
					t.Errorf("%s listens on %s, want host %s", name, addr, listen)
				}
				var entry string
				if err := runOff(ctx, func() (err error) { entry, err = rc.find(name); return err }); err != nil {
					return err
				}
				if !sameHost(entry, remoteIP) {
					t.Errorf("%s is registered at %q, want host %s", name, entry, remoteIP)
				}
			}
			kid, err := actor.FindActor(ctx, "remote-kid")
			if err != nil {
				return err
			}
			if got, err := callPeer.Run(ctx, kid, "root"); err != nil || got != "root" {
				t.Errorf("remote-kid's call of root = %q, %v", got, err)
			}
			if err := prog.stdin.Close(); err != nil {
				return err
			}
			var werr error
			if err := runOff(ctx, func() error { _, werr = prog.wait(); return nil }); err != nil {
				return err
			}
			if werr != nil {
				t.Errorf("remote program: %v; stderr:\n%s", werr, prog.stderrText())
			}
			return nil
		})
	}, actor.WithToken(token), actor.WithListenAddr(ipc.TCP(net.JoinHostPort(regIP, "0"))), quiet())
	if err != nil {
		t.Fatal(err)
	}
}

// Two loopback addresses stand in for two hosts: the registry on
// 127.0.0.1, a program joining its tree on 127.0.0.2 with a child there.
func TestTreeAcrossLoopbackAddrs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 to listen on: %v", err)
	}
	ln.Close()
	crossHost(t, "127.0.0.1", "127.0.0.2", "127.0.0.2", nil)
}

// Two network namespaces joined by a veth pair are two hosts: the
// registry in this test's namespace, the joining program and its child in
// a new one. The test makes the namespace and the pair and removes them;
// it needs root and the ip command.
func TestTreeAcrossNetns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("making network namespaces needs root")
	}
	ipCmd, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("no ip command to make network namespaces with")
	}
	pid := os.Getpid()
	ns := fmt.Sprintf("hitch-test-%d", pid)
	hostIf, nsIf := fmt.Sprintf("hx%dh", pid%1000000), fmt.Sprintf("hx%dn", pid%1000000)
	subnet := fmt.Sprintf("10.231.%d", pid%250+1)
	hostIP, nsIP := subnet+".1", subnet+".2"
	ip := func(args ...string) error {
		out, err := exec.Command(ipCmd, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := ip("netns", "add", ns); err != nil {
		// Root in a container without the capabilities, or a kernel
		// without namespaces: nothing to test with. Anything else fails.
		for _, why := range []string{"Operation not permitted", "Permission denied", "not supported", "Not supported"} {
			if strings.Contains(err.Error(), why) {
				t.Skipf("cannot make a network namespace here: %v", err)
			}
		}
		t.Fatal(err)
	}
	// Deleting the pair's end here removes both ends at once; deleting
	// the namespace would too, but only once the kernel gets to it.
	t.Cleanup(func() {
		_ = ip("link", "del", hostIf)
		if err := ip("netns", "del", ns); err != nil {
			t.Error(err)
		}
	})
	for _, args := range [][]string{
		{"link", "add", hostIf, "type", "veth", "peer", "name", nsIf},
		{"link", "set", nsIf, "netns", ns},
		{"addr", "add", hostIP + "/24", "dev", hostIf},
		{"link", "set", hostIf, "up"},
		{"-n", ns, "addr", "add", nsIP + "/24", "dev", nsIf},
		{"-n", ns, "link", "set", nsIf, "up"},
		{"-n", ns, "link", "set", "lo", "up"},
	} {
		if err := ip(args...); err != nil {
			t.Fatal(err)
		}
	}
	prefix := []string{ipCmd, "netns", "exec", ns}
	t.Run("addr", func(t *testing.T) { crossHost(t, hostIP, nsIP, nsIP, prefix) })
	// Listening on every interface, the remote actors are registered at
	// the address they reach the registry from.
	t.Run("any", func(t *testing.T) { crossHost(t, hostIP, "0.0.0.0", nsIP, prefix) })
}

// sameHost reports whether the TCP address text addr is on host, any
// unspecified host (0.0.0.0, ::) counting as one.
func sameHost(addr, host string) bool {
	a, err := ipc.ParseAddr(addr)
	if err != nil || a.Network != "tcp" {
		return false
	}
	h, _, err := net.SplitHostPort(a.Address)
	if err != nil {
		return false
	}
	x, y := net.ParseIP(h), net.ParseIP(host)
	return x != nil && y != nil && (x.Equal(y) || x.IsUnspecified() && y.IsUnspecified())
}

// whereBelow starts a grandchild and reports where it listens.
var whereBelow = actor.Func("discovery.whereBelow", func(ctx context.Context, name string) (string, error) {
	var addr string
	err := actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
		g, err := n.StartActor(ctx, name)
		if err != nil {
			return err
		}
		if addr, err = where.Run(ctx, g, 0); err != nil {
			return err
		}
		return n.Cancel(ctx)
	})
	return addr, err
})

// StartActor's WithListenAddr sets where that child listens; its own
// children listen on its host in turn.
func TestChildListenAddr(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 to listen on: %v", err)
	}
	ln.Close()
	err = actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			kid, err := n.StartActor(ctx, "kid", actor.WithListenAddr(ipc.TCP("127.0.0.2:0")))
			if err != nil {
				return err
			}
			for what, fn := range map[string]func() (string, error){
				"the child":      func() (string, error) { return where.Run(ctx, kid, 0) },
				"the grandchild": func() (string, error) { return whereBelow.Run(ctx, kid, "grandkid") },
			} {
				addr, err := fn()
				if err != nil {
					return err
				}
				if !sameHost(addr, "127.0.0.2") {
					t.Errorf("%s listens on %s, want host 127.0.0.2", what, addr)
				}
			}
			return n.Cancel(ctx)
		})
	}, quiet())
	if err != nil {
		t.Fatal(err)
	}
}
