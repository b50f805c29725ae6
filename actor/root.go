package actor

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/hitchrt/hitch/actor/sc"
)

// tokenLen is the size of a tree's random auth token.
const tokenLen = 32

// OpenRoot runs this process as the root actor of a new tree for as long
// as body runs, in the sc task of ctx. The root listens (on loopback, an
// ephemeral port, unless WithListenAddr) and is the tree's registry; the
// tree's auth token is random (crypto/rand) unless WithToken gives one.
// body receives a ctx that carries the actor (Current) for every task
// started under it.
//
// When body returns, requests still being served are cancelled and waited
// for, connections are flushed and closed, and OpenRoot returns body's
// error. A process runs one actor at a time: a second OpenRoot while one
// runs fails with ErrRuntimeExists. An invalid option is an error before
// anything starts.
func OpenRoot(ctx context.Context, body func(ctx context.Context, a *Actor) error, opts ...Option) error {
	if body == nil {
		return errors.New("actor: OpenRoot: nil body")
	}
	cfg, err := defaultConfig().build(forRoot, opts)
	if err != nil {
		return err
	}
	token := cfg.token
	if token == nil {
		token = make([]byte, tokenLen)
		if _, err := rand.Read(token); err != nil {
			return fmt.Errorf("actor: making the tree's token: %w", err)
		}
	}
	a, err := newActor(ActorID{Name: cfg.name, UID: uuid.NewString()}, cfg, token, true)
	if err != nil {
		return err
	}
	a.reg = newRegistrar()
	return a.run(ctx, true, func(ctx context.Context) error { return body(ctx, a) })
}

// Run runs body as the root actor in a new sc run on the calling
// goroutine (sc.Run with OpenRoot inside) and returns its outcome.
func Run(body func(ctx context.Context, a *Actor) error, opts ...Option) error {
	return sc.Run(func(ctx context.Context) error { return OpenRoot(ctx, body, opts...) })
}
