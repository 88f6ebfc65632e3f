// Package idgen hands out 64-bit snowflake ids: time-ordered, unique across processes as
// long as every process has its own node number.
package idgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/big"
	"sync"
	"sync/atomic"
	"time"
)

// Generator makes ids.
type Generator struct {
	node  atomic.Pointer[node]
	id    atomic.Int64
	base  time.Time    // when the generator was made, with the clock's monotonic reading
	until atomic.Int64 // ids may be made on node until base + until (monotonic nanoseconds)
	fixed bool         // a leased node that must not change (LeaseNode)
	// takeBack says of a fixed node's holder that it is gone (LeaseNode).
	takeBack func(prev string) bool
	stop     func() // ends the lease's renewal and gives the node back; nil for New
}

// ErrLapsed is Next's answer while the node's lease may have passed to another process:
// renewals failed for so long that ids made now could repeat another's. Ids come again
// once a renewal gets through or another node is claimed.
var ErrLapsed = errors.New("snowflake node lease lapsed; no ids until it is renewed")

// New uses the given node number (0..1023), for good.
func New(node int64) (*Generator, error) {
	g := &Generator{base: time.Now()}
	n, err := newNode(node, nil)
	if err != nil {
		return nil, err
	}
	g.node.Store(n)
	g.id.Store(node)
	g.until.Store(math.MaxInt64)
	return g, nil
}

// use makes ids on node until the given time, read on the monotonic clock: a step of the
// wall clock neither stretches nor cuts the lease's usable part short.
func (g *Generator) use(node int64, until time.Time) error {
	cur := g.node.Load()
	if cur != nil && cur.num == node {
		g.extend(until) // the same node: its clock goes on, never back
		return nil
	}
	n, err := newNode(node, cur)
	if err != nil {
		return err
	}
	g.lapse() // no ids on the old node while the new one is put in place
	g.node.Store(n)
	g.id.Store(node)
	g.extend(until)
	return nil
}

// extend lets ids be made until until, a time read from time.Now (so with its monotonic
// reading).
func (g *Generator) extend(until time.Time) { g.until.Store(int64(until.Sub(g.base))) }

// lapse stops ids at once: the lease is another process's.
func (g *Generator) lapse() { g.until.Store(0) }

// Leases hands out node numbers, each held by one holder until its lease ends.
type Leases interface {
	// Claim takes the first node from start on (wrapping) that nobody holds or whose
	// lease ended before now, for holder until until.
	Claim(ctx context.Context, holder string, start int64, now, until time.Time) (int64, error)
	// ClaimNode takes node for holder until until if nobody holds it, its lease ended
	// before now, holder holds it already, or takeBack (nil: never) says of the holder
	// that it is gone.
	ClaimNode(ctx context.Context, holder string, node int64, now, until time.Time, takeBack func(prev string) bool) (bool, error)
	// Renew extends holder's lease to until; false when holder no longer holds it.
	Renew(ctx context.Context, node int64, holder string, until time.Time) (bool, error)
	// Release gives the node back, if holder still holds it.
	Release(ctx context.Context, node int64, holder string) error
}

// LeaseTTL is how long a node stays held without renewal, as servers lease them. A
// process gone for longer has its number taken by the next one to start.
const LeaseTTL = 5 * time.Minute

// usable is how much of a lease the holder uses: it stops making ids a fifth of the
// lease before its end, so that a process whose clock runs behind another's by less than
// that never makes ids on a node the other has taken over.
func usable(from time.Time, ttl time.Duration) time.Time { return from.Add(ttl - ttl/5) }

// Lease claims a node number held for ttl and renews it every third of that until Close,
// which gives it back. A renewal that fails is tried again every thirtieth of the lease;
// should they all fail until the lease's usable part is over, Next answers ErrLapsed
// until one gets through, or, if the lease was lost meanwhile, until the generator has
// claimed another number and moved to it.
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
	g := &Generator{base: now}
	if err := g.start(ctx, leases, holder, node, now, ttl, log); err != nil {
		return nil, err
	}
	return g, nil
}

// ErrNodeHeld: the node a process was given is leased by another.
var ErrNodeHeld = errors.New("snowflake node held by another process")

// LeaseNode is Lease on the given node, for a process configured with its own node number:
// it is refused with ErrNodeHeld while another process holds the node (one that leased it,
// another host given the same number, or another process on this host), so that the two
// never make the same ids. holder names this process; takeBack (nil: never) says of
// another holder that it is gone, so that a process that restarted takes its node back at
// once instead of waiting for the old lease to end. Should the lease be lost, the
// generator makes no ids until it has the same node again.
func LeaseNode(ctx context.Context, leases Leases, node int64, holder string, takeBack func(prev string) bool, ttl time.Duration, log *slog.Logger) (*Generator, error) {
	now := time.Now()
	ok, err := leases.ClaimNode(ctx, holder, node, now, now.Add(ttl), takeBack)
	switch {
	case err != nil:
		return nil, fmt.Errorf("claim snowflake node %d: %w", node, err)
	case !ok:
		return nil, fmt.Errorf("%w: node %d; give every process its own node_id, or -1 to lease a free one", ErrNodeHeld, node)
	}
	g := &Generator{base: now, fixed: true, takeBack: takeBack}
	if err := g.start(ctx, leases, holder, node, now, ttl, log); err != nil {
		return nil, err
	}
	return g, nil
}

// start makes ids on node, held from now, and renews its lease until Close.
func (g *Generator) start(ctx context.Context, leases Leases, holder string, node int64, now time.Time, ttl time.Duration, log *slog.Logger) error {
	if err := g.use(node, usable(now, ttl)); err != nil {
		return err
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
	return nil
}

// renew extends the lease every third of its length, and every thirtieth after a
// failure; a lease found lost is replaced by a new one on another number.
func (g *Generator) renew(ctx context.Context, leases Leases, holder string, ttl time.Duration, log *slog.Logger) {
	wait := time.NewTimer(ttl / 3)
	defer wait.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wait.C:
		}
		if g.renewOnce(ctx, leases, holder, ttl, log) {
			wait.Reset(ttl / 3)
		} else {
			wait.Reset(ttl / 30)
		}
	}
}

// renewOnce extends the lease, or moves to another node if it was lost; false when
// neither could be done.
func (g *Generator) renewOnce(ctx context.Context, leases Leases, holder string, ttl time.Duration, log *slog.Logger) bool {
	node, now := g.Node(), time.Now()
	held, err := leases.Renew(ctx, node, holder, now.Add(ttl))
	switch {
	case err != nil:
		log.Warn("snowflake node lease not renewed; trying again", "node", node, "lapses_at", g.base.Add(time.Duration(g.until.Load())), "err", err)
		return false
	case held:
		g.extend(usable(now, ttl))
		return true
	}
	// Another process has the node: not one more id on it.
	g.lapse()
	if g.fixed {
		ok, err := leases.ClaimNode(ctx, holder, node, now, now.Add(ttl), g.takeBack)
		if err != nil || !ok {
			log.Error("snowflake node lease lost, to another process: no ids until it is free again", "node", node, "err", err)
			return false
		}
		g.extend(usable(now, ttl))
		return true
	}
	next, err := leases.Claim(ctx, holder, node+1, now, now.Add(ttl))
	if err != nil {
		log.Error("snowflake node lease lost and no other node claimed", "node", node, "err", err)
		return false
	}
	if err := g.use(next, usable(now, ttl)); err != nil {
		log.Error("snowflake node", "node", next, "err", err)
		return false
	}
	log.Warn("snowflake node lease lost; moved to another node", "from", node, "to", next)
	return true
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

// The layout of every id, that of Twitter's snowflakes (and of the library the ids were
// made with before): milliseconds since epochMs, then 10 bits of node, 12 of sequence.
const (
	epochMs   = 1288834974657 // 2010-11-04T01:42:54.657Z
	nodeBits  = 10
	stepBits  = 12
	timeShift = nodeBits + stepBits
	nodeMax   = 1<<nodeBits - 1
	stepMax   = 1<<stepBits - 1
	maxMs     = math.MaxInt64 >> timeShift // the last millisecond an id can hold
)

// node makes the ids of one node number. Its time is the wall clock's, in milliseconds,
// but never goes back: a clock stepped back leaves it where it was, counting on in its
// sequence, borrowing the next millisecond when a millisecond's 4,096 ids are used up.
// With the clock where the node is, it waits for the next millisecond instead, so it runs
// ahead of the clock only by what the clock went back. Its ids only grow, and none is
// earlier than the wall clock when it was made: an order's id is never earlier than its
// draw time, which lets a search by draw time skip older orders by id (FloorAt). (A node
// of the snowflake library counted on the monotonic clock from its creation, so its ids
// fell behind the wall clock by every forward step of it, or a suspended machine's pause,
// while the process ran.)
type node struct {
	num int64
	mu  sync.Mutex
	ms  int64 // of the last id, since epochMs
	seq int64 // of the last id, within ms
}

// newNode makes a node for num that starts after the last id of prev (nil: none), so
// that a process moving between node numbers, and back, never makes an id twice.
func newNode(num int64, prev *node) (*node, error) {
	if num < 0 || num > nodeMax {
		return nil, fmt.Errorf("snowflake node %d: not in 0..%d", num, nodeMax)
	}
	n := &node{num: num, ms: -1}
	if prev != nil {
		prev.mu.Lock()
		n.ms, n.seq = prev.ms, stepMax
		prev.mu.Unlock()
	}
	return n, nil
}

// next makes an id; now is the wall clock's Unix milliseconds, read again by clock while
// it waits out a used-up millisecond.
func (n *node) next(now int64, clock func() int64) int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	ms := max(now-epochMs, 0)
	switch {
	case ms > n.ms:
		n.ms, n.seq = ms, 0
	case n.seq < stepMax:
		n.seq++
	default:
		for ms == n.ms { // the clock's millisecond is used up: wait for the next
			ms = max(clock()-epochMs, 0)
		}
		n.ms, n.seq = max(ms, n.ms+1), 0 // or borrow it, with the clock behind
	}
	return n.ms<<timeShift | n.num<<stepBits | n.seq
}

func unixMilli() int64 { return time.Now().UnixMilli() }

// Next returns a new id, or ErrLapsed while the node's lease may be another process's.
func (g *Generator) Next() (int64, error) {
	now := time.Now()
	if int64(now.Sub(g.base)) >= g.until.Load() {
		return 0, fmt.Errorf("%w (node %d)", ErrLapsed, g.Node())
	}
	return g.node.Load().next(now.UnixMilli(), unixMilli), nil
}

// msOf is the Unix time in milliseconds an id was made at.
func msOf(id int64) int64 { return id>>timeShift + epochMs }

// FloorAt is the smallest id made at t or later: every order drawn at t or later has an
// id at least FloorAt(t).
func FloorAt(t time.Time) int64 { return min(max(t.UnixMilli()-epochMs, 0), maxMs) << timeShift }

// Node is this generator's node number.
func (g *Generator) Node() int64 { return g.id.Load() }
