// Package idgen hands out 64-bit snowflake ids: time-ordered, unique across processes as
// long as every process has its own node number.
package idgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/snowflake"
)

// Generator makes ids.
type Generator struct {
	node atomic.Pointer[snowflake.Node]
	id   atomic.Int64
	stop func() // ends the lease's renewal and gives the node back; nil for a fixed node
}

// New uses the given node number (0..1023).
func New(node int64) (*Generator, error) {
	g := &Generator{}
	if err := g.use(node); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *Generator) use(node int64) error {
	n, err := snowflake.NewNode(node)
	if err != nil {
		return fmt.Errorf("snowflake node %d: %w", node, err)
	}
	g.node.Store(n)
	g.id.Store(node)
	return nil
}

// Leases hands out node numbers, each held by one holder until its lease ends.
type Leases interface {
	// Claim takes the first node from start on (wrapping) that nobody holds or whose
	// lease ended before now, for holder until until.
	Claim(ctx context.Context, holder string, start int64, now, until time.Time) (int64, error)
	// Renew extends holder's lease to until; false when holder no longer holds it.
	Renew(ctx context.Context, node int64, holder string, until time.Time) (bool, error)
	// Release gives the node back, if holder still holds it.
	Release(ctx context.Context, node int64, holder string) error
}

// LeaseTTL is how long a node stays held without renewal, as servers lease them. A
// process gone for longer has its number taken by the next one to start.
const LeaseTTL = 5 * time.Minute

// Lease claims a node number held for ttl and renews it every third of that until Close,
// which gives it back. Should the lease be lost all the same (renewals failing for its
// whole length), the generator claims another number and moves to it.
func Lease(ctx context.Context, leases Leases, ttl time.Duration, log *slog.Logger) (*Generator, error) {
	holder := newHolder()
	start, err := rand.Int(rand.Reader, big.NewInt(1024))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	node, err := leases.Claim(ctx, holder, start.Int64(), now, now.Add(ttl))
	if err != nil {
		return nil, fmt.Errorf("claim a snowflake node: %w", err)
	}
	g := &Generator{}
	if err := g.use(node); err != nil {
		return nil, err
	}
	renewCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { g.renew(renewCtx, leases, holder, ttl, log) })
	g.stop = func() {
		cancel()
		wg.Wait()
		releaseCtx, done := context.WithTimeout(context.Background(), 2*time.Second)
		defer done()
		if err := leases.Release(releaseCtx, g.Node(), holder); err != nil {
			log.Warn("snowflake node not given back; it is free again once its lease ends", "node", g.Node(), "err", err)
		}
	}
	return g, nil
}

// renew extends the lease every third of its length; a lease found lost is replaced by
// a new one on another number.
func (g *Generator) renew(ctx context.Context, leases Leases, holder string, ttl time.Duration, log *slog.Logger) {
	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		node := g.Node()
		held, err := leases.Renew(ctx, node, holder, time.Now().Add(ttl))
		switch {
		case err != nil:
			log.Warn("snowflake node lease not renewed; trying again", "node", node, "err", err)
		case !held:
			now := time.Now()
			next, err := leases.Claim(ctx, holder, node+1, now, now.Add(ttl))
			if err != nil {
				log.Error("snowflake node lease lost and no other node free", "node", node, "err", err)
				continue
			}
			if err := g.use(next); err != nil {
				log.Error("snowflake node", "node", next, "err", err)
				continue
			}
			log.Warn("snowflake node lease lost; moved to another node", "from", node, "to", next)
		}
	}
}

func newHolder() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Close ends a leased generator's lease; a fixed node has nothing to end.
func (g *Generator) Close() {
	if g.stop != nil {
		g.stop()
	}
}

// Next returns a new id.
func (g *Generator) Next() int64 { return g.node.Load().Generate().Int64() }

// Node is this generator's node number.
func (g *Generator) Node() int64 { return g.id.Load() }
