package redisstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/lottery-go/lottery/domain/draw"
)

// Counters is what the live counters of one activity say. They run ahead of SQL by the
// admissions not yet committed.
type Counters struct {
	StockLeft int64
	PoolLeft  map[int64]int64 // prize id → units released and not yet won
	// Released is what the release job has put into each prize's pool (a prize without a
	// record is absent), read in the same command as PoolLeft: a release between two
	// reads would look like drift.
	Released map[int64]int64
}

// Counters reads an activity's live counters for statistics and reconciliation;
// loaded is false when the activity has no current load, and then there is nothing to read.
func (l *Ledger) Counters(ctx context.Context, activityID int64) (Counters, bool, error) {
	k := l.keys(activityID)
	var loaded *redis.IntCmd
	var stock *redis.StringCmd
	var prizes *redis.StringSliceCmd
	_, err := l.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		loaded = p.Exists(ctx, k.epoch())
		stock = p.Get(ctx, k.stock())
		prizes = p.SMembers(ctx, k.prizes())
		return nil
	})
	if err != nil && loaded.Err() != nil {
		return Counters{}, false, fmt.Errorf("counters of activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	if loaded.Val() == 0 {
		return Counters{}, false, nil
	}
	c := Counters{PoolLeft: make(map[int64]int64, len(prizes.Val())), Released: make(map[int64]int64, len(prizes.Val()))}
	c.StockLeft, _ = stock.Int64()
	ids := make([]int64, 0, len(prizes.Val()))
	keys := make([]string, 0, len(prizes.Val()))
	for _, m := range prizes.Val() {
		if id, err := strconv.ParseInt(m, 10, 64); err == nil {
			ids, keys = append(ids, id), append(keys, k.pool(id))
		}
	}
	if len(keys) == 0 {
		return c, true, nil
	}
	for _, id := range ids {
		keys = append(keys, k.released(id))
	}
	vals, err := l.client.MGet(ctx, keys...).Result()
	if err != nil {
		return Counters{}, false, fmt.Errorf("counters of activity %d: pools: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	for i, id := range ids {
		s, _ := vals[i].(string)
		c.PoolLeft[id], _ = strconv.ParseInt(s, 10, 64)
		if s, ok := vals[len(ids)+i].(string); ok {
			c.Released[id], _ = strconv.ParseInt(s, 10, 64)
		}
	}
	return c, true, nil
}

// WinsOnDay returns each prize's wins on day as the ledger counts them for its daily
// quota (a prize without a counter has none).
func (l *Ledger) WinsOnDay(ctx context.Context, activityID int64, prizeIDs []int64, day string) (map[int64]int64, error) {
	out := make(map[int64]int64, len(prizeIDs))
	if len(prizeIDs) == 0 {
		return out, nil
	}
	k := l.keys(activityID)
	keys := make([]string, len(prizeIDs))
	for i, id := range prizeIDs {
		keys[i] = k.prizeDay(id, day)
	}
	vals, err := l.client.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("wins on %s of activity %d: %w: %w", day, activityID, draw.ErrUnavailable, err)
	}
	for i, v := range vals {
		s, _ := v.(string)
		out[prizeIDs[i]], _ = strconv.ParseInt(s, 10, 64)
	}
	return out, nil
}

// UserCounts returns the draws the ledger counts for each of users in the activity, in all
// and on day, for reconciliation to compare with SQL (a user without a count has none).
func (l *Ledger) UserCounts(ctx context.Context, activityID int64, day string, users []string) (map[string]draw.UserCount, error) {
	out := make(map[string]draw.UserCount, len(users))
	if len(users) == 0 {
		return out, nil
	}
	k := l.keys(activityID)
	var total, today *redis.SliceCmd
	_, err := l.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		total = p.HMGet(ctx, k.userTotal(), users...)
		today = p.HMGet(ctx, k.userDay(day), users...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("user counts of activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	for i, u := range users {
		out[u] = draw.UserCount{Total: countOf(total.Val()[i]), Today: countOf(today.Val()[i])}
	}
	return out, nil
}

// countOf reads a counter of an HMGET reply; a missing field is zero.
func countOf(v any) int64 {
	s, _ := v.(string)
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
