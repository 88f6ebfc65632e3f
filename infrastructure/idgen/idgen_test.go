package idgen

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memLeases holds node leases in memory; lose takes a node from its holder, and while
// down is set every call fails.
type memLeases struct {
	mu      sync.Mutex
	holders map[int64]string
	down    bool
}

func (m *memLeases) Claim(_ context.Context, holder string, start int64, _, _ time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return 0, errDown
	}
	for i := range int64(1024) {
		n := (start + i) % 1024
		if m.holders[n] == "" {
			m.holders[n] = holder
			return n, nil
		}
	}
	return 0, errNoNode
}

func (m *memLeases) Renew(_ context.Context, node int64, holder string, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return false, errDown
	}
	return m.holders[node] == holder, nil
}

func (m *memLeases) ClaimNode(_ context.Context, holder string, node int64, _, _ time.Time, takeBack func(string) bool) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return false, errDown
	}
	if h := m.holders[node]; h != "" && h != holder && (takeBack == nil || !takeBack(h)) {
		return false, nil
	}
	m.holders[node] = holder
	return true, nil
}

func (m *memLeases) setDown(down bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.down = down
}

func (m *memLeases) Release(_ context.Context, node int64, holder string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.holders[node] == holder {
		delete(m.holders, node)
	}
	return nil
}

func (m *memLeases) lose(node int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.holders[node] = "someone else"
}

type errString string

func (e errString) Error() string { return string(e) }

const (
	errNoNode = errString("no node free")
	errDown   = errString("leases unreachable")
)

// Two leased generators never share a node; one that loses its lease moves to a free
// node, and Close gives its node back.
func TestLeasedNodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	leases := &memLeases{holders: map[int64]string{}}
	a, err := Lease(ctx, leases, 300*time.Millisecond, log)
	require.NoError(t, err)
	b, err := Lease(ctx, leases, time.Hour, log)
	require.NoError(t, err)
	assert.NotEqual(t, a.Node(), b.Node())

	lost := a.Node()
	leases.lose(lost)
	require.Eventually(t, func() bool { return a.Node() != lost }, 5*time.Second, 5*time.Millisecond)
	assert.NotEqual(t, b.Node(), a.Node())
	id, err := a.Next()
	require.NoError(t, err)
	assert.Equal(t, a.Node(), (id>>12)&1023, "ids carry the new node")

	node := b.Node()
	b.Close()
	leases.mu.Lock()
	_, held := leases.holders[node]
	leases.mu.Unlock()
	assert.False(t, held, "given back")
	a.Close()
}

// A generator whose renewals fail makes no ids once its lease's usable part is over, so
// that none can repeat those of a process that took the node over; ids come again on the
// same node when a renewal gets through, or on another if the node was taken meanwhile.
func TestLapsedLeaseMakesNoIDs(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	leases := &memLeases{holders: map[int64]string{}}
	g, err := Lease(context.Background(), leases, 60*time.Millisecond, log)
	require.NoError(t, err)
	defer g.Close()
	lapsed := func() bool { _, err := g.Next(); return errors.Is(err, ErrLapsed) }
	made := func() bool { _, err := g.Next(); return err == nil }

	first := g.Node()
	leases.setDown(true)
	require.Eventually(t, lapsed, 5*time.Second, time.Millisecond, "renewals failing past the usable part")
	leases.setDown(false)
	require.Eventually(t, made, 5*time.Second, time.Millisecond, "a renewal got through")
	assert.Equal(t, first, g.Node(), "nobody took the node: kept")

	leases.setDown(true)
	require.Eventually(t, lapsed, 5*time.Second, time.Millisecond)
	leases.lose(first)
	leases.setDown(false)
	require.Eventually(t, made, 5*time.Second, time.Millisecond, "moved to another node")
	assert.NotEqual(t, first, g.Node())
	id, err := g.Next()
	require.NoError(t, err)
	assert.Equal(t, g.Node(), (id>>12)&1023)
}

// A generator on a fixed node never lapses.
func TestFixedNodeMakesIDs(t *testing.T) {
	t.Parallel()
	g, err := New(7)
	require.NoError(t, err)
	id, err := g.Next()
	require.NoError(t, err)
	assert.Equal(t, int64(7), (id>>12)&1023)
}

// The lease check costs one clock reading per id. (A node makes at most 4,096 ids a
// millisecond, so a loop of Next measures that cap: ~244 ns an id.)
func BenchmarkNext(b *testing.B) {
	g, err := New(1)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Next(); err != nil {
			b.Fatal(err)
		}
	}
}

// A process given its own node is refused while another holds it, and makes no ids while
// another process has it. (Taking it back after a restart: TestClaimNode in persistence.)
func TestLeasedFixedNode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	leases := &memLeases{holders: map[int64]string{}}
	other, err := Lease(ctx, leases, time.Hour, log)
	require.NoError(t, err)
	defer other.Close()

	_, err = LeaseNode(ctx, leases, other.Node(), "node@host-a", nil, time.Hour, log)
	require.ErrorIs(t, err, ErrNodeHeld, "leased by another process")

	g, err := LeaseNode(ctx, leases, 7, "node-7@host-a", nil, 60*time.Millisecond, log)
	require.NoError(t, err)
	defer g.Close()
	id, err := g.Next()
	require.NoError(t, err)
	assert.Equal(t, int64(7), (id>>12)&1023)
	_, err = LeaseNode(ctx, leases, 7, "node-7@host-b", nil, time.Hour, log)
	require.ErrorIs(t, err, ErrNodeHeld, "another host given the same number")

	leases.lose(7)
	require.Eventually(t, func() bool { _, err := g.Next(); return errors.Is(err, ErrLapsed) }, 5*time.Second, time.Millisecond,
		"no ids while another process holds the node")
	assert.Equal(t, int64(7), g.Node(), "a fixed node is never swapped for another")
	leases.mu.Lock()
	delete(leases.holders, 7)
	leases.mu.Unlock()
	require.Eventually(t, func() bool { _, err := g.Next(); return err == nil }, 5*time.Second, time.Millisecond, "free again: taken back")
	assert.Equal(t, int64(7), g.Node())
}

// A renewal that finds the node taken stops ids at once, long before the lease's usable
// part would be over: the other process makes ids on it already.
func TestLostLeaseStopsIDsAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	leases := &memLeases{holders: map[int64]string{}}
	g, err := LeaseNode(ctx, leases, 9, "node-9@host-a", nil, time.Hour, log)
	require.NoError(t, err)
	defer g.Close()
	_, err = g.Next()
	require.NoError(t, err)

	leases.lose(9)
	assert.False(t, g.renewOnce(ctx, leases, "node-9@host-a", time.Hour, log), "the node is another's")
	_, err = g.Next()
	require.ErrorIs(t, err, ErrLapsed, "no id on a node another process holds")

	leases.mu.Lock()
	delete(leases.holders, 9)
	leases.mu.Unlock()
	assert.True(t, g.renewOnce(ctx, leases, "node-9@host-a", time.Hour, log), "free again: taken back")
	_, err = g.Next()
	require.NoError(t, err)
}
