package redisstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/lottery-go/lottery/domain/draw"
)

// Release raises a prize's pool to what its release plan has released by now: by target
// minus what was released before, and only when target is higher, in one atomic step. A
// release plan is monotone, so repeated or racing job runs release every unit once and
// units a run missed carry over to the next. It returns the units added; 0 also when the
// activity is not loaded, because its next load reads the release from SQL.
func (l *Ledger) Release(ctx context.Context, activityID, prizeID, target int64) (int64, error) {
	k := l.keys(activityID)
	added, err := prizeReleaseScript.Run(ctx, l.client,
		[]string{k.epoch(), k.pool(prizeID), k.released(prizeID), k.gen()}, target).Int64()
	if err != nil {
		return 0, fmt.Errorf("release prize %d of activity %d: %w: %w", prizeID, activityID, draw.ErrUnavailable, err)
	}
	return max(added, 0), nil
}

// Released reads how many units of each prize of a loaded activity have been released
// into its pool; prizes without a counter are left out.
func (l *Ledger) Released(ctx context.Context, activityID int64) (map[int64]int64, error) {
	k := l.keys(activityID)
	members, err := l.client.SMembers(ctx, k.prizes()).Result()
	if err != nil {
		return nil, fmt.Errorf("released of activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	out := make(map[int64]int64, len(members))
	if len(members) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(members))
	names := make([]string, 0, len(members))
	for _, m := range members {
		if id, err := strconv.ParseInt(m, 10, 64); err == nil {
			ids, names = append(ids, id), append(names, k.released(id))
		}
	}
	vals, err := l.client.MGet(ctx, names...).Result()
	if err != nil && err != redis.Nil {
		return nil, fmt.Errorf("released of activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	for i, v := range vals {
		if s, ok := v.(string); ok {
			out[ids[i]], _ = strconv.ParseInt(s, 10, 64)
		}
	}
	return out, nil
}
