package granting

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/award"
)

type countingAwards struct {
	reads atomic.Int32
	err   error
}

func (c *countingAwards) Get(_ context.Context, id int64) (*award.Award, error) {
	c.reads.Add(1)
	if c.err != nil {
		return nil, c.err
	}
	return award.New(id, "Note", award.KindText, award.Content{Text: "hi"}, time.Now())
}

func TestCachedAwardsReadOncePerTTL(t *testing.T) {
	t.Parallel()
	src := &countingAwards{}
	c := NewCachedAwards(src, time.Second)
	now := time.Now()
	c.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		a, err := c.Get(context.Background(), 7)
		require.NoError(t, err)
		assert.Equal(t, int64(7), a.ID())
	}
	assert.EqualValues(t, 1, src.reads.Load())
	now = now.Add(2 * time.Second)
	_, err := c.Get(context.Background(), 7)
	require.NoError(t, err)
	assert.EqualValues(t, 2, src.reads.Load(), "read again after the TTL")
	c.InvalidateAll()
	_, err = c.Get(context.Background(), 7)
	require.NoError(t, err)
	assert.EqualValues(t, 3, src.reads.Load(), "read again once invalidated, within the TTL")

	failing := NewCachedAwards(&countingAwards{err: award.ErrNotFound}, time.Second)
	_, err = failing.Get(context.Background(), 8)
	assert.True(t, errors.Is(err, award.ErrNotFound))
}

// invalidatingAwards calls InvalidateAll while its read is under way: an edit saved
// between the read and its caching.
type invalidatingAwards struct {
	countingAwards
	cache *CachedAwards
}

func (i *invalidatingAwards) Get(ctx context.Context, id int64) (*award.Award, error) {
	a, err := i.countingAwards.Get(ctx, id)
	i.cache.InvalidateAll()
	return a, err
}

// An award read before an invalidation is used for its read but not kept: the edit that
// invalidated it may have replaced it.
func TestCachedAwardsKeepNoReadBegunBeforeAnInvalidation(t *testing.T) {
	t.Parallel()
	src := &invalidatingAwards{}
	c := NewCachedAwards(src, time.Minute)
	src.cache = c
	_, err := c.Get(context.Background(), 7)
	require.NoError(t, err)
	_, err = c.Get(context.Background(), 7)
	require.NoError(t, err)
	assert.EqualValues(t, 2, src.reads.Load(), "the first read was not kept")
}
