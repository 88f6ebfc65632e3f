package routing

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (c *cache[V]) size() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	c := newCache[int](0, 0, 3, func(error) bool { return false }, time.Now)
	for i := range 100 {
		v, err := c.get(context.Background(), strconv.Itoa(i), func(context.Context) (int, error) { return i, nil })
		require.NoError(t, err)
		assert.Equal(t, i, v)
		assert.LessOrEqual(t, c.size(), 3)
	}
}

// A flood of unknown keys evicts remembered misses, not the values routed draws need.
func TestCacheFloodOfMissesKeepsTheValues(t *testing.T) {
	t.Parallel()
	missing := errors.New("unknown")
	c := newCache[int](0, time.Hour, 3, func(err error) bool { return errors.Is(err, missing) }, time.Now)
	_, err := c.get(context.Background(), "default", func(context.Context) (int, error) { return 7, nil })
	require.NoError(t, err)
	for i := range 100 {
		_, err := c.get(context.Background(), strconv.Itoa(i), func(context.Context) (int, error) { return 0, missing })
		require.ErrorIs(t, err, missing)
	}
	loads := 0
	v, err := c.get(context.Background(), "default", func(context.Context) (int, error) { loads++; return 7, nil })
	require.NoError(t, err)
	assert.Equal(t, 7, v)
	assert.Zero(t, loads, "still in memory")
}

func TestCacheKeepsOnlyChosenErrors(t *testing.T) {
	t.Parallel()
	missing, broken := errors.New("missing"), errors.New("broken")
	c := newCache[int](0, time.Hour, 10, func(err error) bool { return errors.Is(err, missing) }, time.Now)
	loads := 0
	for range 3 {
		_, err := c.get(context.Background(), "a", func(context.Context) (int, error) { loads++; return 0, missing })
		require.ErrorIs(t, err, missing)
		_, err = c.get(context.Background(), "b", func(context.Context) (int, error) { loads++; return 0, broken })
		require.ErrorIs(t, err, broken)
	}
	assert.Equal(t, 4, loads, "one load of a, three of b")
}

// TestLoadOverlappingInvalidationIsNotStored: a value read before an invalidation may be
// stale, so it must not outlive it in the cache.
func TestLoadOverlappingInvalidationIsNotStored(t *testing.T) {
	t.Parallel()
	c := newCache[string](0, 0, 10, func(error) bool { return false }, time.Now)
	started, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		v, err := c.get(context.Background(), "k", func(context.Context) (string, error) {
			close(started)
			<-release
			return "old", nil
		})
		assert.NoError(t, err)
		assert.Equal(t, "old", v, "the caller that asked before still gets its answer")
	})
	<-started
	c.invalidateAll()
	close(release)
	wg.Wait()
	v, err := c.get(context.Background(), "k", func(context.Context) (string, error) { return "new", nil })
	require.NoError(t, err)
	assert.Equal(t, "new", v)
}

func TestLoadOverlappingOneKeysInvalidationIsNotStored(t *testing.T) {
	t.Parallel()
	c := newCache[string](0, 0, 10, func(error) bool { return false }, time.Now)
	started, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _ = c.get(context.Background(), "k", func(context.Context) (string, error) {
			close(started)
			<-release
			return "old", nil
		})
	})
	<-started
	c.invalidate("k")
	close(release)
	wg.Wait()
	v, err := c.get(context.Background(), "k", func(context.Context) (string, error) { return "new", nil })
	require.NoError(t, err)
	assert.Equal(t, "new", v)
}
