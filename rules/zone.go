package rules

import (
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// zones caches what timezone() has looked up. (The domain keeps a cache of its own:
// rules imports nothing of ours.)
var zones = newZoneCache(1000, time.LoadLocation)

// zoneCache remembers looked-up zones by canonical name, failures too: a failed look-up
// reads the zone database the longest (~55 µs, measured, against ~12 µs for a zone that
// exists), and a name may come from a fact on every draw. Names come from documents and
// facts, so the cache is bounded: at most limit names of each kind are kept (every one of
// the 600 or so zones fits) and names after that are looked up every time.
type zoneCache struct {
	limit  int64
	load   func(name string) (*time.Location, error)
	byName sync.Map     // canonical name → zoneEntry
	found  atomic.Int64 // entries kept of each kind
	failed atomic.Int64
}

type zoneEntry struct {
	loc *time.Location
	err error
}

func newZoneCache(limit int64, load func(string) (*time.Location, error)) *zoneCache {
	return &zoneCache{limit: limit, load: load}
}

func (z *zoneCache) get(name string) (*time.Location, error) {
	key := canonicalZone(name)
	if e, ok := z.byName.Load(key); ok {
		e := e.(zoneEntry)
		return e.loc, e.err
	}
	loc, err := z.load(key)
	z.keep(key, zoneEntry{loc: loc, err: err})
	return loc, err
}

// keep stores e unless limit entries of its kind are kept already; a slot is taken
// before storing, so that goroutines racing to store cannot pass the limit.
func (z *zoneCache) keep(key string, e zoneEntry) {
	count := &z.found
	if e.err != nil {
		count = &z.failed
	}
	if count.Add(1) > z.limit {
		count.Add(-1)
		return
	}
	if _, loaded := z.byName.LoadOrStore(key, e); loaded {
		count.Add(-1)
	}
}

// canonicalZone is the plain spelling of name: time.LoadLocation reads
// "Asia//Shanghai" and "Asia/./Shanghai" as Asia/Shanghai, and without this each
// spelling would be a zone of its own, loaded and kept again. A name LoadLocation
// refuses outright (empty means UTC; "..", or an absolute path) is left alone, for it
// to refuse.
func canonicalZone(name string) string {
	if name == "" || strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return name
	}
	return path.Clean(name)
}
