package token

import (
	"sync"
	"time"
)

// CachedKeys verifies like Keys but remembers tokens it has verified: a user sends the same
// token with every request, and checking its signature and decoding its JSON again each
// time was a tenth of the server's work per draw. A hit still checks expiry. The cache is
// keyed by the whole token string, so only a byte-identical token is ever a hit.
type CachedKeys struct {
	*Keys
	max int

	mu      sync.RWMutex
	entries map[string]Claims
}

// NewCachedKeys caches up to max tokens; when full, it starts afresh.
func NewCachedKeys(k *Keys, max int) *CachedKeys {
	return &CachedKeys{Keys: k, max: max, entries: make(map[string]Claims, max)}
}

// Verify returns the claims of a valid token, from the cache when it can.
func (c *CachedKeys) Verify(raw string) (Claims, error) {
	c.mu.RLock()
	cl, ok := c.entries[raw]
	c.mu.RUnlock()
	if ok && time.Now().Before(cl.Expiry) {
		return cl, nil
	}
	cl, err := c.Keys.Verify(raw)
	if err != nil {
		return cl, err
	}
	c.mu.Lock()
	if len(c.entries) >= c.max {
		// Dropping everything is crude but bounded and cheap; the next requests verify
		// afresh and the cache refills with the tokens in use.
		c.entries = make(map[string]Claims, c.max)
	}
	c.entries[raw] = cl
	c.mu.Unlock()
	return cl, nil
}
