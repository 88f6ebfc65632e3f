package routing

import (
	"context"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// loadTimeout bounds one load shared by concurrent callers. Loads run without the
// first caller's cancellation, so one client hanging up does not fail every draw that
// joined its load.
const loadTimeout = 5 * time.Second

// cache holds values by key for the draw path. It is bounded (a full cache forgets a
// remembered miss, or an arbitrary entry, enough to keep memory flat under a flood of
// distinct keys), entries
// expire after ttl (0: never), and errors that keep accepts are remembered for missTTL
// so that repeated misses do not reach SQL either. InvalidateAll drops everything at once.
type cache[V any] struct {
	ttl     time.Duration
	missTTL time.Duration
	max     int
	keep    func(error) bool
	now     func() time.Time

	mu      sync.RWMutex
	entries map[string]entry[V]
	misses  int    // entries holding an error, which a full cache forgets first
	gen     uint64 // bumped by InvalidateAll: a load that began before it is not stored
	loads   singleflight.Group
}

type entry[V any] struct {
	v       V
	err     error
	expires time.Time // zero: never
}

func newCache[V any](ttl, missTTL time.Duration, maxEntries int, keep func(error) bool, now func() time.Time) *cache[V] {
	return &cache[V]{ttl: ttl, missTTL: missTTL, max: maxEntries, keep: keep, now: now, entries: map[string]entry[V]{}}
}

// get returns the cached value of key, loading it on a miss; concurrent misses of one
// key share one load.
func (c *cache[V]) get(ctx context.Context, key string, load func(context.Context) (V, error)) (V, error) {
	c.mu.RLock()
	e, ok := c.entries[key]
	gen := c.gen
	c.mu.RUnlock()
	if ok && (e.expires.IsZero() || c.now().Before(e.expires)) {
		return e.v, e.err
	}
	res, err, _ := c.loads.Do(key+"@"+strconv.FormatUint(gen, 10), func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), loadTimeout)
		defer cancel()
		v, err := load(ctx)
		c.store(key, gen, v, err)
		return v, err
	})
	v, _ := res.(V)
	return v, err
}

func (c *cache[V]) store(key string, gen uint64, v V, err error) {
	ttl := c.ttl
	if err != nil {
		if !c.keep(err) {
			return
		}
		ttl = c.missTTL
	}
	e := entry[V]{v: v, err: err}
	if ttl > 0 {
		e.expires = c.now().Add(ttl)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	old, present := c.entries[key]
	if !present && len(c.entries) >= c.max {
		c.remove(c.victim())
	} else if present && old.err != nil {
		c.misses--
	}
	c.entries[key] = e
	if e.err != nil {
		c.misses++
	}
}

func (c *cache[V]) remove(key string) {
	if e, ok := c.entries[key]; ok {
		delete(c.entries, key)
		if e.err != nil {
			c.misses--
		}
	}
}

// victim is the entry a full cache forgets: a remembered miss if there is one, so that a
// flood of unknown keys (tree ids come from request bodies) evicts its own kind, not the
// default tree every routed draw needs; else an arbitrary entry.
func (c *cache[V]) victim() string {
	for k, e := range c.entries {
		if c.misses == 0 || e.err != nil {
			return k // without misses, the first entry: no scan of a cache of values
		}
	}
	return ""
}

// invalidate drops key's entry; loads under way are not stored (any key's: a load of key
// cannot be told from the others, and a few loads again cost less than a stale value).
func (c *cache[V]) invalidate(key string) {
	c.mu.Lock()
	c.remove(key)
	c.gen++
	c.mu.Unlock()
}

// invalidateAll drops every entry; loads under way are not stored.
func (c *cache[V]) invalidateAll() {
	c.mu.Lock()
	c.entries = map[string]entry[V]{}
	c.misses = 0
	c.gen++
	c.mu.Unlock()
}
