package redisstore

import (
	"context"
	"fmt"

	"github.com/lottery-go/lottery/domain/draw"
)

// Warm loads an activity's counters ahead of its first draw, e.g. when it starts, so no
// draw waits out the reload grace. It does nothing when they are loaded already.
func (l *Ledger) Warm(ctx context.Context, activityID int64, day string) error {
	n, err := l.client.Exists(ctx, l.keys(activityID).epoch()).Result()
	if err != nil {
		return fmt.Errorf("warm activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	if n == 1 {
		return nil
	}
	return l.ensureLoaded(ctx, activityID, day)
}
