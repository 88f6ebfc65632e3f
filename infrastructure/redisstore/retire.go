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
// markers, rate limits) are left to expire, and the seen mark with them. The caller makes
// sure that the activity is closed and was quiet: no draw reaches a closed activity's
// counters, and whatever loads them again (a late draw that passed before the close was
// seen) rebuilds them from SQL.
//
// It reports false, leaving everything as it was, while the activity is busy: a load holds
// its lock (the load would write its counters back, unregistered), or an admission is in
// its journal. The caller tries again later.
func (l *Ledger) Retire(ctx context.Context, activityID int64) (bool, error) {
	k := l.keys(activityID)
	token := newToken()
	locked, err := l.client.SetNX(ctx, k.loadLock(), token, l.lockTTL()).Result()
	if err != nil {
		return false, fmt.Errorf("retire activity %d: lock: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	if !locked {
		return false, nil
	}
	defer l.unlock(ctx, k, token)
	prizes, err := l.client.SMembers(ctx, k.prizes()).Result()
	if err != nil {
		return false, fmt.Errorf("retire activity %d: prizes: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	names := []string{k.journal(), k.seen(), k.epoch(), k.stock(), k.blacklist(), k.userTotal(),
		k.gen(), k.blgen(), k.prizes()}
	for _, p := range prizes {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			names = append(names, k.pool(id), k.released(id))
		}
	}
	dropped, err := retireScript.Run(ctx, l.client, names, l.idemTTL).Int()
	if err != nil {
		return false, fmt.Errorf("retire activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	if dropped == 0 {
		return false, nil
	}
	if err := l.client.SRem(ctx, l.activities, activityID).Err(); err != nil {
		return false, fmt.Errorf("retire activity %d: unregister: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	l.hot.Delete(activityID)
	l.markers.Delete(activityID)
	return true, nil
}
