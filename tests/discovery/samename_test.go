//go:build unix

package discovery_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/tests/internal/proccheck"
)

// bound caps every wait of these tests: a hang fails rather than stalls.
const bound = 30 * time.Second

// lookups is how often findTimes looks a name up: were the answer a coin
// toss between two actors, all of them agreeing would be a 1 in 2^16 fluke.
const lookups = 16

var (
	uidOf = actor.Func("discovery.uid", func(ctx context.Context, _ int) (string, error) {
		a, err := actor.Current(ctx)
		if err != nil {
			return "", err
		}
		return a.ID().UID, nil
	})

	// findTimes looks name up again and again and reports the uid each
	// portal's call reached.
	findTimes = actor.Func("discovery.findTimes", func(ctx context.Context, name string) ([]string, error) {
		var uids []string
		for range lookups {
			p, err := actor.FindActor(ctx, name)
			if err != nil {
				return nil, err
			}
			uid, err := uidOf.Run(ctx, p, 0)
			if err != nil {
				return nil, err
			}
			uids = append(uids, uid)
		}
		return uids, nil
	})

	// childFinds starts a child that runs findTimes for name.
	childFinds = actor.Func("discovery.childFinds", func(ctx context.Context, name string) ([]string, error) {
		var uids []string
		err := actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
			g, err := n.StartActor(ctx, "grandchild")
			if err != nil {
				return err
			}
			if uids, err = findTimes.Run(ctx, g, name); err != nil {
				return err
			}
			return n.Cancel(ctx)
		})
		return uids, err
	})
)

// A child finds its parent by name among the connected peers, before the
// registry: with two actors named "p" registered, the grandchild of the
// root under the second always reaches its own parent, never the other
// "p" the registry could equally answer with.
func TestLookupPrefersConnectedPeers(t *testing.T) {
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return sc.FailAfter(ctx, bound, func(ctx context.Context) error {
			return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
				other, err := n.StartActor(ctx, "p")
				if err != nil {
					return err
				}
				parent, err := n.StartActor(ctx, "p")
				if err != nil {
					return err
				}
				uids, err := childFinds.Run(ctx, parent, "p")
				if err != nil {
					return err
				}
				for i, uid := range uids {
					if uid != parent.Peer().UID {
						t.Errorf("lookup %d of p reached %s, want the parent %s (the other p is %s)",
							i, uid, parent.Peer().UID, other.Peer().UID)
					}
				}
				if len(uids) != lookups {
					t.Errorf("%d lookups, want %d", len(uids), lookups)
				}
				return n.Cancel(ctx)
			})
		})
	}, quiet())
	if err != nil {
		t.Fatal(err)
	}
}

// Several actors share a name: waiting for it returns one of them, whose
// portal reaches that actor; cancelling them all ends, and no process is
// left.
func TestSameNameActors(t *testing.T) {
	const twins = 3
	err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
		return sc.FailAfter(ctx, bound, func(ctx context.Context) error {
			return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
				var uids []string
				for range twins {
					p, err := n.StartActor(ctx, "twin")
					if err != nil {
						return err
					}
					uids = append(uids, p.Peer().UID)
				}
				// From a sibling, through the registry.
				seeker, err := n.StartActor(ctx, "seeker")
				if err != nil {
					return err
				}
				got, err := callPeer.Run(ctx, seeker, "twin")
				if err != nil || got != "twin" {
					t.Errorf("seeker's call of twin = %q, %v", got, err)
				}
				found, err := findTimes.Run(ctx, seeker, "twin")
				if err != nil {
					return err
				}
				for _, uid := range found {
					if !slices.Contains(uids, uid) {
						t.Errorf("seeker's lookup of twin reached %s, not one of %v", uid, uids)
					}
				}
				// From the root, the registry itself.
				p, err := actor.WaitForActor(ctx, "twin")
				if err != nil {
					return err
				}
				if !slices.Contains(uids, p.Peer().UID) {
					t.Errorf("WaitForActor(twin) = %v, not one of %v", p.Peer(), uids)
				}
				if uid, err := uidOf.Run(ctx, p, 0); err != nil || uid != p.Peer().UID {
					t.Errorf("call of %v reached %q, %v", p.Peer(), uid, err)
				}
				return n.Cancel(ctx)
			})
		})
	}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range proccheck.Children() {
		if p.State != 'Z' {
			t.Errorf("process %d (%s) outlived the tree", p.PID, p.Cmd)
		}
	}
}
