package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lottery-go/lottery/domain/draw"
)

// Invalidate drops an activity's load, e.g. after an admin changed its stock or limits;
// the next admission reloads it from SQL. Bumping gen also fails a load that is reading
// SQL right now, from before the change.
func (l *Ledger) Invalidate(ctx context.Context, activityID int64) error {
	_, err := l.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		invalidateIn(ctx, p, l.keys(activityID))
		return nil
	})
	if err != nil {
		return fmt.Errorf("invalidate activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	return nil
}

// invalidateIn queues what drops a load: the epoch goes, and gen moves so that a load
// reading SQL meanwhile reads again.
func invalidateIn(ctx context.Context, p redis.Pipeliner, k keys) {
	p.Del(ctx, k.epoch())
	p.Incr(ctx, k.gen())
}

// BlacklistAdd copies a blacklisting, already stored in SQL, to every loaded activity.
func (l *Ledger) BlacklistAdd(ctx context.Context, userID string) error {
	return l.blacklist(ctx, userID, true)
}

// BlacklistRemove copies a removal from the blacklist to every loaded activity.
func (l *Ledger) BlacklistRemove(ctx context.Context, userID string) error {
	return l.blacklist(ctx, userID, false)
}

func (l *Ledger) blacklist(ctx context.Context, userID string, add bool) error {
	members, err := l.client.SMembers(ctx, l.activities).Result()
	if err != nil {
		return fmt.Errorf("blacklist %s: activities: %w: %w", userID, draw.ErrUnavailable, err)
	}
	_, err = l.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, m := range members {
			k := keysOf(l.opts.Prefix, m)
			if add {
				p.SAdd(ctx, k.blacklist(), userID)
			} else {
				p.SRem(ctx, k.blacklist(), userID)
			}
			p.Incr(ctx, k.blgen()) // a load in progress may have read SQL before the change
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("blacklist %s: %w: %w", userID, draw.ErrUnavailable, err)
	}
	return nil
}

// RepairBlacklist makes a loaded activity's copy of the blacklist equal to what want
// reads (SQL's), and returns how many users it added or removed. want is read after the
// copy's generation is watched, and the repair is written only if no blacklisting moved
// it meanwhile (else it is left for the next run): a change committed after the read is
// then never undone by it. A copy can be wrong when a blacklisting's copy failed (its
// request answered 503) or two changes of one user reached Redis out of order.
func (l *Ledger) RepairBlacklist(ctx context.Context, activityID int64, want func(context.Context) ([]string, error)) (int, error) {
	k := l.keys(activityID)
	fixed := 0
	err := l.client.Watch(ctx, func(tx *redis.Tx) error {
		loaded, err := tx.Exists(ctx, k.epoch()).Result()
		if err != nil || loaded == 0 {
			return err
		}
		have, err := tx.SMembers(ctx, k.blacklist()).Result()
		if err != nil {
			return err
		}
		ids, err := want(ctx)
		if err != nil {
			return err
		}
		add, remove := setDiff(ids, have), setDiff(have, ids)
		if fixed = len(add) + len(remove); fixed == 0 {
			return nil
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			if len(add) > 0 {
				p.SAdd(ctx, k.blacklist(), add...)
			}
			if len(remove) > 0 {
				p.SRem(ctx, k.blacklist(), remove...)
			}
			return nil
		})
		return err
	}, k.blgen(), k.epoch())
	if errors.Is(err, redis.TxFailedErr) {
		return 0, nil // a blacklisting came meanwhile: the next run looks again
	}
	if err != nil {
		return 0, fmt.Errorf("repair blacklist of activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	return fixed, nil
}

// setDiff returns the members of a that b lacks.
func setDiff(a, b []string) []any {
	in := make(map[string]bool, len(b))
	for _, x := range b {
		in[x] = true
	}
	var out []any
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

// TopUp adds released prizes to a loaded pool. When the activity is not loaded there is
// nothing to do: its next load reads the release from SQL.
func (l *Ledger) TopUp(ctx context.Context, activityID, prizeID, amount int64) error {
	k := l.keys(activityID)
	err := topUpScript.Run(ctx, l.client, []string{k.epoch(), k.pool(prizeID), k.gen()}, amount).Err()
	if err != nil {
		return fmt.Errorf("top up prize %d of activity %d: %w: %w", prizeID, activityID, draw.ErrUnavailable, err)
	}
	return nil
}

// markersAnswer is an answer of MarkersMayBeLost, kept until until.
type markersAnswer struct {
	lost  bool
	until time.Time
}

// rememberMarkers keeps an answer of MarkersMayBeLost for a second, and less than half
// the reload grace, so an answer read before Redis lost its data is gone before the
// reload that marks the activity can have finished.
func (l *Ledger) rememberMarkers(activityID int64, lost bool) {
	l.markers.Store(activityID, markersAnswer{lost: lost, until: time.Now().Add(min(time.Second, l.opts.ReloadGrace/2))})
}

// MarkersMayBeLost implements draw.Ledger: Redis lost the activity's keys, which a load
// found out by rebuilding its counters from orders already taken, less than the
// idempotency TTL ago. Answers are kept a short while per process, so a storm of refusals
// costs Redis nothing more; the process that rebuilt the counters knows at once.
func (l *Ledger) MarkersMayBeLost(ctx context.Context, activityID int64) (bool, error) {
	if v, ok := l.markers.Load(activityID); ok && time.Now().Before(v.(markersAnswer).until) {
		return v.(markersAnswer).lost, nil
	}
	n, err := l.client.Exists(ctx, l.keys(activityID).rebuilt()).Result()
	if err != nil {
		return false, fmt.Errorf("rebuilt mark of activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	l.rememberMarkers(activityID, n == 1)
	return n == 1, nil
}

// KeyOrder implements draw.Ledger: the key's marker, one GET.
func (l *Ledger) KeyOrder(ctx context.Context, activityID int64, userID, key string) (int64, error) {
	id, err := l.client.Get(ctx, l.keys(activityID).idem(userID, key)).Int64()
	switch {
	case errors.Is(err, redis.Nil):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("key of %s in activity %d: %w: %w", userID, activityID, draw.ErrUnavailable, err)
	}
	return id, nil
}

// Quota implements draw.Ledger, loading the activity first if needed.
func (l *Ledger) Quota(ctx context.Context, activityID int64, userID, day string, total, daily int64) (int64, int64, error) {
	k := l.keys(activityID)
	for attempt := 1; ; attempt++ {
		var loaded *redis.IntCmd
		var used [2]*redis.StringCmd
		_, err := l.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			loaded = p.Exists(ctx, k.epoch())
			used[0] = p.HGet(ctx, k.userTotal(), userID)
			used[1] = p.HGet(ctx, k.userDay(day), userID)
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return 0, 0, fmt.Errorf("quota of %s in activity %d: %w: %w", userID, activityID, draw.ErrUnavailable, err)
		}
		if loaded.Val() == 1 {
			return left(total, used[0]), left(daily, used[1]), nil
		}
		if attempt == loadAttempts {
			return 0, 0, fmt.Errorf("quota of %s in activity %d: %w", userID, activityID, draw.ErrNotLoaded)
		}
		if err := l.ensureLoaded(ctx, activityID, day); err != nil {
			return 0, 0, fmt.Errorf("quota of %s in activity %d: %w", userID, activityID, err)
		}
	}
}

// Blacklisted implements draw.Ledger: one SISMEMBER of the set Admit reads.
func (l *Ledger) Blacklisted(ctx context.Context, activityID int64, userID string) (bool, error) {
	in, err := l.client.SIsMember(ctx, l.keys(activityID).blacklist(), userID).Result()
	if err != nil {
		return false, fmt.Errorf("blacklist of activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	return in, nil
}

// StockLeft implements draw.Ledger: the activity's stock counter, one GET.
func (l *Ledger) StockLeft(ctx context.Context, activityID int64) (int64, bool, error) {
	n, err := l.client.Get(ctx, l.keys(activityID).stock()).Int64()
	switch {
	case errors.Is(err, redis.Nil):
		return 0, false, nil
	case err != nil:
		return 0, false, fmt.Errorf("stock of activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	return n, true, nil
}

func left(limit int64, used *redis.StringCmd) int64 {
	if limit <= 0 {
		return -1
	}
	n, _ := used.Int64() // a missing field is zero use
	return max(limit-n, 0)
}
