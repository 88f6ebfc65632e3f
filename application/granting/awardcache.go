package granting

import (
	"context"
	"sync"
	"time"

	"github.com/lottery-go/lottery/domain/award"
)

// CachedAwards remembers awards for a short while: every win of a campaign reads the same
// few awards, and they change rarely. An edit reaches grants within the TTL, or as soon as
// InvalidateAll is called (the change feed calls it), so an admin who repairs a merchant's
// webhook and then sends a failed grant again is not answered with the old one.
type CachedAwards struct {
	awards Awards
	ttl    time.Duration
	now    func() time.Time

	mu      sync.RWMutex
	entries map[int64]cachedAward
	gen     uint64 // InvalidateAll's count: a read begun before one is not kept
}

type cachedAward struct {
	award *award.Award
	until time.Time
}

// NewCachedAwards reads through to awards on a miss or after ttl.
func NewCachedAwards(awards Awards, ttl time.Duration) *CachedAwards {
	return &CachedAwards{awards: awards, ttl: ttl, now: time.Now, entries: map[int64]cachedAward{}}
}

// Get returns the award, from the cache while it is fresh. Errors are not cached.
func (c *CachedAwards) Get(ctx context.Context, id int64) (*award.Award, error) {
	now := c.now()
	c.mu.RLock()
	e, ok := c.entries[id]
	gen := c.gen
	c.mu.RUnlock()
	if ok && now.Before(e.until) {
		return e.award, nil
	}
	a, err := c.awards.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen { // else it may be what an edit has just replaced
		c.entries[id] = cachedAward{award: a, until: now.Add(c.ttl)}
	}
	c.mu.Unlock()
	return a, nil
}

// InvalidateAll forgets every award.
func (c *CachedAwards) InvalidateAll() {
	c.mu.Lock()
	clear(c.entries)
	c.gen++
	c.mu.Unlock()
}
