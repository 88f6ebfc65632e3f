package drawing

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/domain/activity"
)

// noActivities knows no activity and counts the lookups.
type noActivities struct {
	activity.Repository
	gets atomic.Int64
}

func (n *noActivities) Get(context.Context, int64) (*activity.Activity, error) {
	n.gets.Add(1)
	return nil, activity.ErrNotFound
}

// A flood of random unknown ids does not grow the catalog past maxMisses; an id looked up
// twice in a row still reaches the database once.
func TestUnknownIdsAreRememberedWithinABound(t *testing.T) {
	t.Parallel()
	repo := &noActivities{}
	c := NewCatalog(repo, nil)
	ctx := context.Background()
	for id := int64(1); id <= 3*maxMisses+7; id++ {
		_, err := c.View(ctx, id)
		assert.True(t, errors.Is(err, activity.ErrNotFound))
		if id%1000 == 0 {
			c.mu.RLock()
			n, misses := len(c.entries), c.misses
			c.mu.RUnlock()
			assert.LessOrEqual(t, n, maxMisses)
			assert.Equal(t, n, misses)
		}
	}
	before := repo.gets.Load()
	_, _ = c.View(ctx, 3*maxMisses+7)
	assert.Equal(t, before, repo.gets.Load(), "a recent miss is answered from memory")

	c.Invalidate(3*maxMisses + 7)
	c.InvalidateAll()
	c.mu.RLock()
	defer c.mu.RUnlock()
	assert.Zero(t, c.misses)
}
