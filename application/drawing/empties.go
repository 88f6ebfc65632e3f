package drawing

import (
	"sync"
	"time"
)

// emptyPrizes remembers, per activity, which prizes the ledger recently found empty, so
// renormalize draws stop proposing them. Entries expire: pools are topped up by release
// plans and daily quotas reset, and a stale "empty" only costs a short bias.
type emptyPrizes struct {
	m sync.Map // activity id → emptyMask
}

type emptyMask struct {
	mask  uint64
	until time.Time
}

const emptyTTL = time.Second

func (e *emptyPrizes) mask(activityID int64, now time.Time) uint64 {
	v, ok := e.m.Load(activityID)
	if !ok {
		return 0
	}
	em := v.(emptyMask)
	if now.After(em.until) {
		return 0
	}
	return em.mask
}

func (e *emptyPrizes) add(activityID int64, mask uint64, now time.Time) {
	e.m.Store(activityID, emptyMask{mask: e.mask(activityID, now) | mask, until: now.Add(emptyTTL)})
}
