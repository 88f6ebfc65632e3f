package redisstore

import (
	"context"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/internal/testkit"
)

const (
	day1 = "2025-06-01"
	day2 = "2025-06-02"
)

// fakeTruth plays SQL: tests set what committed orders would say.
type fakeTruth struct {
	mu    sync.Mutex
	snaps map[int64]draw.Snapshot
	calls atomic.Int64
	today string // the activities' own day, counted when later than the day asked for
}

func newFakeTruth(snaps ...draw.Snapshot) *fakeTruth {
	f := &fakeTruth{snaps: make(map[int64]draw.Snapshot)}
	for _, s := range snaps {
		f.set(s)
	}
	return f
}

func (f *fakeTruth) set(s draw.Snapshot) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snaps[s.ActivityID] = s
}

// Blacklist is the blacklist of the snapshots set, all of them.
func (f *fakeTruth) Blacklist(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.snaps {
		for _, u := range s.Blacklist {
			if !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	return out, nil
}

func (f *fakeTruth) Snapshot(_ context.Context, activityID int64, day string) (draw.Snapshot, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.snaps[activityID]
	if f.today > day {
		day = f.today
	}
	s.ActivityID, s.Day, s.PrevDay = activityID, day, draw.DayBefore(day)
	s.Users = maps.Clone(s.Users)
	s.Prizes = maps.Clone(s.Prizes)
	s.Blacklist = slices.Clone(s.Blacklist)
	return s, nil
}

// newTestLedger builds a ledger on env with a short grace, closed with the test.
func newTestLedger(t testing.TB, env testkit.RedisEnv, truth draw.Truth) *Ledger {
	t.Helper()
	l := NewLedger(env.Client, truth, Options{Prefix: env.Prefix, ReloadGrace: 20 * time.Millisecond, RestartCheck: -1})
	t.Cleanup(func() { _ = l.Close() })
	return l
}

var orderSeq atomic.Int64

// admission returns a draw of user in activity on day1 with a fresh order id.
func admission(activityID int64, user string, candidates ...draw.Candidate) draw.Admission {
	if len(candidates) == 0 {
		candidates = []draw.Candidate{{PrizeID: 0}}
	}
	return draw.Admission{
		OrderID:    1<<60 + orderSeq.Add(1), // beyond 2^53, as snowflake ids are
		ActivityID: activityID,
		UserID:     user,
		Day:        day1,
		Candidates: candidates,
	}
}

// counters reads the raw Redis counters a test wants to compare.
type counters struct {
	stock, userTotal, userToday, pool, prizeDay, journal int64
}

func readCounters(t *testing.T, l *Ledger, activityID int64, user string, prize int64, day string) counters {
	t.Helper()
	ctx := context.Background()
	k := l.keys(activityID)
	c := l.client
	var out counters
	var err error
	out.stock, err = c.Get(ctx, k.stock()).Int64()
	require.NoError(t, err)
	out.userTotal, _ = c.HGet(ctx, k.userTotal(), user).Int64()
	out.userToday, _ = c.HGet(ctx, k.userDay(day), user).Int64()
	out.pool, _ = c.Get(ctx, k.pool(prize)).Int64()
	out.prizeDay, _ = c.Get(ctx, k.prizeDay(prize, day)).Int64()
	out.journal, err = c.XLen(ctx, k.journal()).Result()
	require.NoError(t, err)
	return out
}

// cleanupPrefix deletes the keys of a prefix a subtest chose itself; the test kit cleans
// only env.Prefix.
func cleanupPrefix(env testkit.RedisEnv) {
	ctx := context.Background()
	iter := env.Client.Scan(ctx, 0, env.Prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
	}
	if len(batch) > 0 {
		env.Client.Unlink(ctx, batch...)
	}
}
