package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lottery-go/lottery/domain/draw"
)

// loadFlight is one in-process load of one activity; err is set before done is closed.
type loadFlight struct {
	done chan struct{}
	err  error
}

// loadRetries bounds how often a load reads SQL again because the truth changed under it.
const loadRetries = 5

// blacklistRetries bounds the rewrites of a blacklist that keeps changing after a load.
const blacklistRetries = 20

// ensureLoaded returns once the activity's epoch exists again. The load itself runs
// detached from ctx: with a grace of seconds, a caller whose deadline is shorter would
// otherwise abort every load it starts and the activity would never come back.
func (l *Ledger) ensureLoaded(ctx context.Context, activityID int64, day string) error {
	return l.loadOnce(ctx, activityID, day, l.opts.ReloadGrace)
}

// loadOnce is ensureLoaded with the grace to wait before reading SQL: one load per
// activity at a time in this process; a caller arriving during one waits for it.
func (l *Ledger) loadOnce(ctx context.Context, activityID int64, day string, grace time.Duration) error {
	l.loadMu.Lock()
	if l.loadCtx.Err() != nil {
		l.loadMu.Unlock()
		return errClosed
	}
	f, ok := l.loading[activityID]
	if !ok {
		f = &loadFlight{done: make(chan struct{})}
		l.loading[activityID] = f
		l.background.Add(1)
		go l.runLoad(f, activityID, day, grace)
	}
	l.loadMu.Unlock()
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return fmt.Errorf("wait for load of activity %d: %w", activityID, ctx.Err())
	}
}

func (l *Ledger) runLoad(f *loadFlight, activityID int64, day string, grace time.Duration) {
	defer l.background.Done()
	ctx, cancel := context.WithTimeout(l.loadCtx, l.lockTTL())
	defer cancel()
	f.err = l.load(ctx, activityID, day, grace)
	l.loadMu.Lock()
	delete(l.loading, activityID)
	l.loadMu.Unlock()
	close(f.done)
}

// unlock drops the activity's load lock while it still holds token, with a fresh
// context: the lock must go even when ctx has expired.
func (l *Ledger) unlock(ctx context.Context, k keys, token string) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.opts.CallTimeout)
	defer cancel()
	_ = releaseScript.Run(rctx, l.client, []string{k.loadLock()}, token).Err()
}

// lockTTL outlives a load that keeps to its grace and timeout, and frees the activity
// for another process when the loader died.
func (l *Ledger) lockTTL() time.Duration { return l.opts.ReloadGrace + l.opts.LoadTimeout }

// load takes the activity's load lock, or waits while another process holds it.
func (l *Ledger) load(ctx context.Context, activityID int64, day string, grace time.Duration) error {
	k := l.keys(activityID)
	token := newToken()
	for {
		ok, err := l.client.SetNX(ctx, k.loadLock(), token, l.lockTTL()).Result()
		if err != nil {
			return fmt.Errorf("load activity %d: lock: %w: %w", activityID, draw.ErrUnavailable, err)
		}
		if ok {
			err := l.loadLocked(ctx, k, activityID, day, grace)
			l.unlock(ctx, k, token)
			return err
		}
		loaded, err := l.waitForLoad(ctx, k)
		if err != nil {
			return fmt.Errorf("load activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
		}
		if loaded {
			return nil
		}
	}
}

// waitForLoad polls until the epoch appears (true) or the lock vanishes without one
// (false: the loader failed, so this caller may try).
func (l *Ledger) waitForLoad(ctx context.Context, k keys) (bool, error) {
	tick := time.NewTicker(l.pollInterval())
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-tick.C:
		}
		n, err := l.client.Exists(ctx, k.epoch()).Result()
		if err != nil {
			return false, err
		}
		if n == 1 {
			return true, nil
		}
		n, err = l.client.Exists(ctx, k.loadLock()).Result()
		if err != nil {
			return false, err
		}
		if n == 0 {
			return false, nil
		}
	}
}

func (l *Ledger) pollInterval() time.Duration {
	return min(max(l.opts.ReloadGrace/20, 2*time.Millisecond), 50*time.Millisecond)
}

func (l *Ledger) loadLocked(ctx context.Context, k keys, activityID int64, day string, grace time.Duration) error {
	if n, err := l.client.Exists(ctx, k.epoch()).Result(); err != nil {
		return fmt.Errorf("load activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
	} else if n == 1 {
		return nil // another process finished just before we took the lock
	}
	// Registered before the counters exist, so blacklist changes reach this activity
	// from now on; it is another slot, hence outside the transaction below.
	if err := l.client.SAdd(ctx, l.activities, activityID).Err(); err != nil {
		return fmt.Errorf("load activity %d: register: %w: %w", activityID, draw.ErrUnavailable, err)
	}
	select {
	case <-time.After(grace):
	case <-ctx.Done():
		return fmt.Errorf("load activity %d: grace: %w: %w", activityID, draw.ErrUnavailable, ctx.Err())
	}
	epoch := newToken()
	var markersLost bool
	for range loadRetries {
		// Read before the snapshot: a blacklisting that moves it during the load may have
		// been overwritten by the snapshot's older blacklist (see publishLoad).
		blgen, err := l.client.Get(ctx, k.blgen()).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("load activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
		}
		// gen is bumped by everything that changes the truth (release, invalidation) but
		// the blacklist; watching it from before the snapshot read makes a load that read
		// SQL too early fail and read again instead of writing stale counters.
		var gen string
		err = l.client.Watch(ctx, func(tx *redis.Tx) error {
			seen, err := tx.Exists(ctx, k.seen()).Result()
			if err != nil {
				return fmt.Errorf("seen: %w", err)
			}
			if gen, err = tx.Get(ctx, k.gen()).Result(); err != nil && !errors.Is(err, redis.Nil) {
				return fmt.Errorf("gen: %w", err)
			}
			snap, err := l.truth.Snapshot(ctx, activityID, day)
			if err != nil {
				return fmt.Errorf("snapshot: %w", err)
			}
			// Orders without the seen mark: Redis lost this activity's keys, its
			// idempotency markers with them.
			markersLost = seen == 0 && len(snap.Users) > 0
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				l.writeSnapshot(ctx, p, k, day, snap, markersLost)
				return nil
			})
			return err
		}, k.gen(), k.epoch(), k.seen())
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if err == nil {
			err = l.publishLoad(ctx, k, epoch, gen, blgen)
		}
		if errors.Is(err, errTruthMoved) {
			continue
		}
		if err != nil {
			return fmt.Errorf("load activity %d: %w: %w", activityID, draw.ErrUnavailable, err)
		}
		if markersLost {
			l.rememberMarkers(activityID, true)
		}
		return nil
	}
	return fmt.Errorf("load activity %d: truth kept changing: %w", activityID, draw.ErrUnavailable)
}

// errTruthMoved: the truth changed between a load's counters and its epoch; load again.
var errTruthMoved = errors.New("truth changed during the load")

// publishLoad sets the epoch that makes a load's counters live, once its blacklist is
// current. A load may take seconds, and an anti-fraud feed blacklisting users every second
// would, were loads to start over for it as for other changes, keep a large activity from
// ever loading: the blacklist moves a generation of its own, and when it moved since the
// load read SQL (blgen is no longer seen), the blacklist alone is read and written again,
// with the epoch, until no blacklisting overtakes that. No draw is admitted before: without
// the epoch, the activity is not loaded. Anything else that changed the truth (gen moved)
// sends the load back to its snapshot.
func (l *Ledger) publishLoad(ctx context.Context, k keys, epoch, gen, seen string) error {
	for range blacklistRetries {
		err := l.client.Watch(ctx, func(tx *redis.Tx) error {
			vals, err := tx.MGet(ctx, k.gen(), k.blgen()).Result()
			if err != nil {
				return err
			}
			nowGen, _ := vals[0].(string)
			nowBL, _ := vals[1].(string)
			if nowGen != gen {
				return errTruthMoved
			}
			var ids []string
			if nowBL != seen {
				if ids, err = l.truth.Blacklist(ctx); err != nil {
					return err
				}
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				if nowBL != seen {
					writeBlacklist(ctx, p, k, ids)
				}
				p.Set(ctx, k.epoch(), epoch, 0)
				return nil
			})
			return err
		}, k.gen(), k.blgen())
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return errors.New("the blacklist kept changing")
}

// writeBlacklist queues the replacement of the activity's copy of the blacklist.
func writeBlacklist(ctx context.Context, p redis.Pipeliner, k keys, ids []string) {
	p.Del(ctx, k.blacklist())
	for i := 0; i < len(ids); i += hsetChunk {
		members := make([]any, 0, min(hsetChunk, len(ids)-i))
		for _, u := range ids[i:min(i+hsetChunk, len(ids))] {
			members = append(members, u)
		}
		p.SAdd(ctx, k.blacklist(), members...)
	}
}

// hsetChunk keeps single commands of a large activity's load to a bounded size.
const hsetChunk = 1000

// hsetCounts queues key := user → pick(count) for every user whose pick is positive, in
// commands of hsetChunk users, after dropping what key held; ttl 0 keeps it.
func hsetCounts(ctx context.Context, p redis.Pipeliner, key string, users map[string]draw.UserCount,
	pick func(draw.UserCount) int64, ttl time.Duration) {
	p.Del(ctx, key)
	args := make([]any, 0, 2*min(len(users), hsetChunk))
	for user, c := range users {
		if n := pick(c); n > 0 {
			args = append(args, user, n)
		}
		if len(args) >= 2*hsetChunk {
			p.HSet(ctx, key, args...) // copies args
			args = args[:0]
		}
	}
	if len(args) > 0 {
		p.HSet(ctx, key, args...)
	}
	if ttl > 0 {
		p.Expire(ctx, key, ttl)
	}
}

// writeSnapshot queues the counters of one complete load; publishLoad then sets the
// epoch, so a script that sees it sees every counter. Per-day counters are rebuilt for
// the snapshot's day and the day before, whose draws may still be admitted just after
// midnight (they began before it, and waited for this load): other days' keys either
// expired or belong to a day that starts after the load (and so hold only admissions of
// the new epoch), barring clock skew between servers, which the reconcile job reports.
func (l *Ledger) writeSnapshot(ctx context.Context, p redis.Pipeliner, k keys, day string, s draw.Snapshot, markersLost bool) {
	if s.Day != "" {
		day = s.Day // the truth may count a later day than asked for (see draw.Truth)
	}
	p.Set(ctx, k.stock(), max(s.StockLeft, 0), 0)
	hsetCounts(ctx, p, k.userTotal(), s.Users, func(c draw.UserCount) int64 { return c.Total }, 0)
	hsetCounts(ctx, p, k.userDay(day), s.Users, func(c draw.UserCount) int64 { return c.Today }, l.opts.DayTTL)
	if s.PrevDay != "" {
		hsetCounts(ctx, p, k.userDay(s.PrevDay), s.Users, func(c draw.UserCount) int64 { return c.PrevDay }, l.opts.DayTTL)
	}

	p.Del(ctx, k.prizes())
	for prize, c := range s.Prizes {
		p.SAdd(ctx, k.prizes(), prize)
		p.Set(ctx, k.pool(prize), max(c.Pool, 0), 0)
		p.Set(ctx, k.released(prize), max(c.Released, 0), 0)
		p.Set(ctx, k.prizeDay(prize, day), max(c.WinsOnDay, 0), l.opts.DayTTL)
		if s.PrevDay != "" {
			p.Set(ctx, k.prizeDay(prize, s.PrevDay), max(c.WinsOnPrevDay, 0), l.opts.DayTTL)
		}
	}

	writeBlacklist(ctx, p, k, s.Blacklist)
	if markersLost {
		p.Set(ctx, k.rebuilt(), 1, l.opts.IdempotencyTTL)
	}
	p.Set(ctx, k.seen(), 1, 0)
}
