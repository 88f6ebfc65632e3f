package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
)

// Warm loads an activity's counters ahead of its first draw, e.g. when it starts, so no
// draw waits out the reload grace. It does nothing when they are loaded already.
func (l *Ledger) Warm(ctx context.Context, activityID int64, day string) error {
	return l.loadIfMissing(ctx, activityID, day, l.opts.ReloadGrace)
}

// WarmFresh is Warm without the reload grace, for a Redis that started with this process
// (the embedded one) and whose previous process is gone: no draw was admitted on it whose
// order could still be committing, so SQL already holds everything a load must see.
func (l *Ledger) WarmFresh(ctx context.Context, activityID int64, day string) error {
	return l.loadIfMissing(ctx, activityID, day, 0)
}

// Prepare loads the counters of an activity that has never run, just before it starts,
// without the reload grace. The grace lets draws admitted under a lost epoch commit
// before SQL is read; an activity that never ran has no such draws, and its first draws
// then wait for nothing. Counters loaded already are left as they are. Only for an
// activity no process can be drawing from: one still approved.
func (l *Ledger) Prepare(ctx context.Context, activityID int64, day string) error {
	return l.loadIfMissing(ctx, activityID, day, 0)
}

func (l *Ledger) loadIfMissing(ctx context.Context, activityID int64, day string, grace time.Duration) error {
	n, err := l.client.Exists(ctx, l.keys(activityID).epoch()).Result()
	if err != nil {
		return fmt.Errorf("load activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	if n == 1 {
		return nil
	}
	return l.loadOnce(ctx, activityID, day, grace)
}
