package idgen

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memLeases holds node leases in memory; lose takes a node from its holder.
type memLeases struct {
	mu      sync.Mutex
	holders map[int64]string
}

func (m *memLeases) Claim(_ context.Context, holder string, start int64, _, _ time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
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
	return m.holders[node] == holder, nil
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

const errNoNode = errString("no node free")

// Two leased generators never share a node; one that loses its lease moves to a free
// node, and Close gives its node back.
func TestLeasedNodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	leases := &memLeases{holders: map[int64]string{}}
	a, err := Lease(ctx, leases, 30*time.Millisecond, log)
	require.NoError(t, err)
	b, err := Lease(ctx, leases, time.Hour, log)
	require.NoError(t, err)
	assert.NotEqual(t, a.Node(), b.Node())

	lost := a.Node()
	leases.lose(lost)
	require.Eventually(t, func() bool { return a.Node() != lost }, 5*time.Second, 5*time.Millisecond)
	assert.NotEqual(t, b.Node(), a.Node())
	assert.Equal(t, a.Node(), (a.Next()>>12)&1023, "ids carry the new node")

	node := b.Node()
	b.Close()
	leases.mu.Lock()
	_, held := leases.holders[node]
	leases.mu.Unlock()
	assert.False(t, held, "given back")
	a.Close()
}
