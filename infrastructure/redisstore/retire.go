package redisstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/lottery-go/lottery/domain/draw"
)

// Retire drops a closed activity's counters from Redis and the activity from the set of
// loaded ones, so that neither Redis's memory nor the jobs that visit every loaded
// activity grow with each activity that ever ran. Keys with a TTL (day counts, idempotency
// markers, rate limits) are left to expire. The caller makes sure that the activity is
// closed and quiet, nothing in its journal: no draw reaches a closed activity's counters,
// and whatever loads them again (a quota asked) rebuilds them from SQL.
func (l *Ledger) Retire(ctx context.Context, activityID int64) error {
	k := l.keys(activityID)
	prizes, err := l.client.SMembers(ctx, k.prizes()).Result()
	if err != nil {
		return fmt.Errorf("retire activity %d: prizes: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	// The epoch first: one command, but a reader that came between would see it gone.
	names := []string{k.epoch(), k.stock(), k.blacklist(), k.userTotal(), k.journal(),
		k.gen(), k.seen(), k.rebuilt(), k.prizes()}
	for _, p := range prizes {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			names = append(names, k.pool(id), k.released(id))
		}
	}
	if err := l.client.Unlink(ctx, names...).Err(); err != nil {
		return fmt.Errorf("retire activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	if err := l.client.SRem(ctx, l.activities, activityID).Err(); err != nil {
		return fmt.Errorf("retire activity %d: unregister: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	l.hot.Delete(activityID)
	l.markers.Delete(activityID)
	return nil
}
