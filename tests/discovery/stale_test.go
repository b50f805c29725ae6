//go:build unix

package discovery_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"testing"

	"github.com/google/uuid"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/ipc"
	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/tests/internal/poll"
)

// regClient speaks the registry's own protocol over a channel of its own,
// as any actor of the tree does: it can enter an entry that no live actor
// stands behind (what the registry holds for an actor that died where it
// could not notice) and look names up. Its methods block: call them off
// the runner.
type regClient struct {
	ch    *ipc.Channel
	codec *msg.Codec
	id    msg.ActorID
}

// dialRegistry connects a regClient to the registry at addr, for the
// task of ctx.
func dialRegistry(ctx context.Context, addr ipc.Addr, token []byte) (*regClient, error) {
	id := msg.ActorID{Name: "injector", UID: uuid.NewString()}
	var ch *ipc.Channel
	err := runOff(ctx, func() error {
		dctx, cancel := context.WithTimeout(context.Background(), bound)
		defer cancel()
		var err error
		ch, err = ipc.Dial(dctx, addr, ipc.WithToken(token),
			ipc.WithIdentity(msg.Identity{Name: id.Name, UID: id.UID, PID: os.Getpid()}))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &regClient{ch: ch, codec: msg.MustCodec(), id: id}, nil
}

func (c *regClient) call(fn string, arg any) (any, error) {
	args, err := c.codec.EncodePayload(arg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	cid := uuid.NewString()
	if err := c.ch.Send(ctx, &msg.Start{Cid: cid, NS: "self", Func: fn, Args: args, CallerUID: c.id.UID}); err != nil {
		return nil, err
	}
	for {
		m, err := c.ch.Recv(ctx)
		if err != nil {
			return nil, err
		}
		switch m := m.(type) {
		case *msg.Return:
			if m.Cid == cid {
				return c.codec.DecodePayload(m, msg.Any)
			}
		case *msg.Error:
			if m.Cid == cid {
				return nil, msg.UnpackError(m)
			}
		}
	}
}

// register enters name at addr under a fresh uid.
func (c *regClient) register(name, addr string) error {
	v, err := c.call("register", []string{name, uuid.NewString(), addr})
	if err == nil && v != true {
		err = fmt.Errorf("register answered %v", v)
	}
	return err
}

// find returns the address the registry holds for name, "" for none.
func (c *regClient) find(name string) (string, error) {
	v, err := c.call("find", name)
	if err != nil || v == nil {
		return "", err
	}
	xs, ok := v.([]any)
	if !ok || len(xs) != 3 {
		return "", fmt.Errorf("find answered %v", v)
	}
	addr, _ := xs[2].(string)
	return addr, nil
}

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ipc.TCP(ln.Addr().String()).String()
	ln.Close()
	return addr
}

// otherTree returns the address of a listener of another tree (another
// token), served until the test ends.
func otherTree(t *testing.T) string {
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := ipc.Listen(ctx, ipc.DefaultAddr, ipc.WithToken([]byte("another tree")),
		ipc.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = ln.Serve(ctx, func(_ context.Context, ch *ipc.Channel) { ch.Close() })
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return ln.Addr().String()
}

// An entry whose address refuses connections, or answers as another
// actor, is deleted by the lookup that meets it: FindActor in the
// registry itself reports no such actor and the entry is gone;
// WaitForActor in a child deletes it through the registry and keeps
// waiting, until a real actor of that name registers.
func TestStaleEntryDeleted(t *testing.T) {
	token := []byte("stale entries test token")
	dead := deadAddr(t)
	stranger := otherTree(t)
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return sc.FailAfter(ctx, bound, func(ctx context.Context) error {
			rc, err := dialRegistry(ctx, a.Addr(), token)
			if err != nil {
				return err
			}
			defer rc.ch.Close()
			return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
				seeker, err := n.StartActor(ctx, "seeker")
				if err != nil {
					return err
				}
				seekerAddr, err := where.Run(ctx, seeker, 0)
				if err != nil {
					return err
				}
				// Entries that lead nowhere, to another actor of the tree (the
				// seeker), and to an actor of another tree.
				for name, addr := range map[string]string{"ghost": dead, "imposter": seekerAddr, "stranger": stranger} {
					var held string
					if err := runOff(ctx, func() error {
						if err := rc.register(name, addr); err != nil {
							return err
						}
						var err error
						held, err = rc.find(name)
						return err
					}); err != nil {
						return err
					}
					if held != addr {
						return fmt.Errorf("registry holds %q for %s, want the injected %q", held, name, addr)
					}
					// The registry's own lookup.
					if _, err := actor.FindActor(ctx, name); !errors.Is(err, actor.ErrActorNotFound) {
						t.Errorf("FindActor(%s) with only a stale entry: %v, want ErrActorNotFound", name, err)
					}
					if err := runOff(ctx, func() (err error) { held, err = rc.find(name); return err }); err != nil {
						return err
					}
					if held != "" {
						t.Errorf("after the lookup the registry still holds %q for %s", held, name)
					}
				}

				// A child's wait, through the registry's protocol.
				if err := runOff(ctx, func() error { return rc.register("ghost", dead) }); err != nil {
					return err
				}
				var got string
				err = sc.OpenNursery(ctx, func(ctx context.Context, sn *sc.Nursery) error {
					sn.StartSoon("seeker waits for ghost", func(ctx context.Context) error {
						var err error
						got, err = callPeer.Run(ctx, seeker, "ghost")
						return err
					})
					// The seeker meets the stale entry and deletes it...
					if err := runOff(ctx, func() error {
						return poll.UntilErr("the seeker to delete the stale entry", bound, func() (bool, error) {
							addr, err := rc.find("ghost")
							return addr == "", err
						})
					}); err != nil {
						return err
					}
					// ...and waits on, for the real one.
					_, err := n.StartActor(ctx, "ghost")
					return err
				})
				if err != nil {
					return err
				}
				if got != "ghost" {
					t.Errorf("the seeker's call of ghost = %q", got)
				}
				return n.Cancel(ctx)
			})
		})
	}, actor.WithToken(token), quiet())
	if err != nil {
		t.Fatal(err)
	}
}
