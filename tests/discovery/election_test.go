//go:build unix

package discovery_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/ipc"
)

// joinEnv makes the test binary, started by TestJoinTree, a separate
// program that joins the tree at the given registry address.
const joinEnv = "HITCH_TEST_JOIN"

// runJoiner is that program: it joins the tree, calls the registry actor
// by name, prints what it heard and waits until the registry's side has
// called it back.
func runJoiner(spec string) int {
	addr, tok, _ := strings.Cut(spec, " ")
	token, _ := hex.DecodeString(tok)
	regAddr, err := ipc.ParseAddr(addr)
	if err != nil {
		fmt.Println("joiner:", err)
		return 1
	}
	err = actor.Run(func(ctx context.Context, a *actor.Actor) error {
		p, err := actor.WaitForActor(ctx, "root")
		if err != nil {
			return err
		}
		name, err := whoami.Run(ctx, p, 0)
		if err != nil {
			return err
		}
		fmt.Println("joiner heard:", name, "registry:", a.IsRegistry())
		_, err = callPeer.Run(ctx, p, "joiner")
		return err
	}, actor.WithName("joiner"), actor.WithToken(token), actor.WithRegistryAddr(regAddr))
	if err != nil {
		fmt.Println("joiner:", err)
		return 1
	}
	return 0
}

// Something that accepts connections but never answers is not a registry:
// OpenRoot says so rather than hanging or taking the address.
func TestRegistryAddrOccupied(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // silent until the test ends
		}
	}()
	err = actor.Run(func(context.Context, *actor.Actor) error {
		t.Error("the body ran")
		return nil
	}, actor.WithRegistryAddr(ipc.TCP(ln.Addr().String())))
	if !errors.Is(err, actor.ErrRegistryOccupied) {
		t.Errorf("got %v, want ErrRegistryOccupied", err)
	}
	ln.Close()
	<-done
}

// Nothing at the registry address: the root becomes the registry there.
// Another program given that address and the token joins the tree; each
// finds the other by name and calls it.
func TestJoinTree(t *testing.T) {
	token := []byte("the tree's token for this test")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := ipc.TCP(ln.Addr().String())
	ln.Close() // a free port: nothing there

	var out []byte
	err = actor.Run(func(ctx context.Context, a *actor.Actor) error {
		if !a.IsRegistry() || a.Addr() != free {
			t.Errorf("root: registry %v at %v, want the registry at %v", a.IsRegistry(), a.Addr(), free)
		}
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), joinEnv+"="+free.String()+" "+hex.EncodeToString(token))
		// The joiner's run blocks on this root's answers: wait for it
		// off the runner.
		return runOff(ctx, func() error {
			out, err = cmd.CombinedOutput()
			return err
		})
	}, actor.WithToken(token), actor.WithRegistryAddr(free), quiet())
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "joiner heard: root registry: false") {
		t.Errorf("joiner's output:\n%s", out)
	}
}
