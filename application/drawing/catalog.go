package drawing

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/strategy"
)

// View is what the hot path needs of an activity, held in memory: no SQL read per draw.
type View struct {
	Activity *activity.Activity
	Prizes   map[int64]PrizeView // by prize id
}

// PrizeView is a prize slot with the award snapshot its orders carry.
type PrizeView struct {
	Prize     strategy.Prize
	Index     int // position in the strategy, for exclusion masks
	AwardName string
	AwardKind award.Kind
}

// Catalog caches Views. Admin changes reach it through Invalidate / InvalidateAll, called by
// a change feed that every process follows.
type Catalog struct {
	activities activity.Repository
	awards     award.Repository
	missTTL    time.Duration

	mu      sync.RWMutex
	entries map[int64]*catalogEntry
	misses  int    // entries that remember an unknown id
	gen     uint64 // bumped by every invalidation: a load that began before it is not stored
	loads   singleflight.Group
}

// maxMisses bounds the unknown ids remembered: a flood of random ids would otherwise grow
// the cache until the next InvalidateAll. Past it, every remembered miss is forgotten.
const maxMisses = 10_000

type catalogEntry struct {
	view     *View
	missed   time.Time // when a lookup found no such activity
	notFound bool
}

// NewCatalog reads through to the repositories on a miss.
func NewCatalog(activities activity.Repository, awards award.Repository) *Catalog {
	return &Catalog{activities: activities, awards: awards, missTTL: time.Second, entries: map[int64]*catalogEntry{}}
}

// View returns the activity's view; activity.ErrNotFound when there is none. Unknown ids are
// remembered briefly so a flood of bad ids does not reach SQL.
func (c *Catalog) View(ctx context.Context, id int64) (*View, error) {
	c.mu.RLock()
	e := c.entries[id]
	c.mu.RUnlock()
	if e != nil {
		if !e.notFound {
			return e.view, nil
		}
		if time.Since(e.missed) < c.missTTL {
			return nil, activity.ErrNotFound
		}
	}
	c.mu.RLock()
	gen := c.gen
	c.mu.RUnlock()
	v, err, _ := c.loads.Do(fmt.Sprint(id, "@", gen), func() (any, error) { return c.load(ctx, id, gen) })
	if err != nil {
		return nil, err
	}
	return v.(*View), nil
}

func (c *Catalog) load(ctx context.Context, id int64, gen uint64) (*View, error) {
	a, err := c.activities.Get(ctx, id)
	if errors.Is(err, activity.ErrNotFound) {
		c.store(id, gen, &catalogEntry{notFound: true, missed: time.Now()})
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("load activity %d: %w", id, err)
	}
	v := &View{Activity: a, Prizes: map[int64]PrizeView{}}
	for i, p := range a.Strategy().Prizes() {
		aw, err := c.awards.Get(ctx, p.AwardID)
		if err != nil {
			return nil, fmt.Errorf("load award %d of activity %d: %w", p.AwardID, id, err)
		}
		v.Prizes[p.ID] = PrizeView{Prize: p, Index: i, AwardName: aw.Name(), AwardKind: aw.Kind()}
	}
	c.store(id, gen, &catalogEntry{view: v})
	return v, nil
}

func (c *Catalog) store(id int64, gen uint64, e *catalogEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if old := c.entries[id]; old != nil && old.notFound {
		c.misses--
	}
	if e.notFound {
		if c.misses >= maxMisses {
			c.forgetMisses()
		}
		c.misses++
	}
	c.entries[id] = e
}

// forgetMisses drops every remembered unknown id; c.mu is held.
func (c *Catalog) forgetMisses() {
	for id, e := range c.entries {
		if e.notFound {
			delete(c.entries, id)
		}
	}
	c.misses = 0
}

// Invalidate drops one activity; the next draw reloads it.
func (c *Catalog) Invalidate(id int64) {
	c.mu.Lock()
	if e := c.entries[id]; e != nil && e.notFound {
		c.misses--
	}
	delete(c.entries, id)
	c.gen++
	c.mu.Unlock()
}

// InvalidateAll drops everything (an award changed, or changes may have been missed).
func (c *Catalog) InvalidateAll() {
	c.mu.Lock()
	c.entries = map[int64]*catalogEntry{}
	c.misses = 0
	c.gen++
	c.mu.Unlock()
}
