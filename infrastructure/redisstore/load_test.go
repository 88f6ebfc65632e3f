package redisstore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestLoadOnFirstAdmission(t *testing.T) {
	const act = 21
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		truth := newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 5,
			Users:  map[string]draw.UserCount{"u": {Total: 2, Today: 1}},
			Prizes: map[int64]draw.PrizeCount{4: {Pool: 1, WinsOnDay: 3}},
		})
		l := NewLedger(env.Client, truth, Options{Prefix: env.Prefix, ReloadGrace: 100 * time.Millisecond, RestartCheck: -1})
		t.Cleanup(func() { _ = l.Close() })

		start := time.Now()
		a := admission(act, "u", draw.Candidate{PrizeID: 4, DailyQuota: 4})
		a.PerUserTotal, a.PerUserDaily = 3, 2
		ad, err := l.Admit(context.Background(), a)
		require.NoError(t, err)
		require.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond, "the load waits out the grace")
		require.Equal(t, int64(1), truth.calls.Load())
		require.Equal(t, int64(4), ad.PrizeID)
		require.Equal(t, int64(0), ad.LeftTotal)
		require.Equal(t, int64(0), ad.LeftToday)
		require.Equal(t, counters{stock: 4, userTotal: 3, userToday: 2, pool: 0, prizeDay: 4, journal: 1},
			readCounters(t, l, act, "u", 4, day1))
	})
}

func TestConcurrentCallersShareOneLoad(t *testing.T) {
	const act = 22
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		truth := newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 1000})
		// Two ledgers stand for two processes: one loads, the other waits on the lock.
		l1, l2 := newTestLedger(t, env, truth), newTestLedger(t, env, truth)
		var wg sync.WaitGroup
		for i := range 32 {
			l := l1
			if i%2 == 1 {
				l = l2
			}
			wg.Go(func() {
				_, err := l.Admit(context.Background(), admission(act, "u"))
				require.NoError(t, err)
			})
		}
		wg.Wait()
		require.Equal(t, int64(1), truth.calls.Load())
		require.Equal(t, int64(968), readCounters(t, l1, act, "u", 0, day1).stock)
	})
}

func TestReloadRebuildsFromTruth(t *testing.T) {
	const act = 23
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		snap := draw.Snapshot{ActivityID: act, StockLeft: 10, Prizes: map[int64]draw.PrizeCount{6: {Pool: 3}}}
		truth := newFakeTruth(snap)
		l := newTestLedger(t, env, truth)
		ctx := context.Background()
		limited := func(user string) draw.Admission {
			a := admission(act, user, draw.Candidate{PrizeID: 6})
			a.PerUserTotal = 3
			return a
		}
		for range 2 {
			_, err := l.Admit(ctx, limited("u"))
			require.NoError(t, err)
		}
		epoch1, err := env.Client.Get(ctx, l.keys(act).epoch()).Result()
		require.NoError(t, err)

		// SQL says otherwise (say an admin corrected it): u has 3 orders, one prize left.
		snap.StockLeft = 6
		snap.Users = map[string]draw.UserCount{"u": {Total: 3, Today: 3}}
		snap.Prizes = map[int64]draw.PrizeCount{6: {Pool: 1, WinsOnDay: 2}}
		snap.Blacklist = []string{"bad"}
		truth.set(snap)
		require.NoError(t, env.Client.Del(ctx, l.keys(act).epoch()).Err())

		_, err = l.Admit(ctx, limited("u"))
		require.ErrorIs(t, err, draw.ErrQuotaExhausted)
		epoch2, err := env.Client.Get(ctx, l.keys(act).epoch()).Result()
		require.NoError(t, err)
		require.NotEqual(t, epoch1, epoch2, "every load has its own epoch")
		require.Equal(t, int64(2), truth.calls.Load())

		_, err = l.Admit(ctx, limited("bad"))
		require.ErrorIs(t, err, draw.ErrBlacklisted)
		ad, err := l.Admit(ctx, limited("v"))
		require.NoError(t, err)
		require.Equal(t, int64(6), ad.PrizeID)
		ad, err = l.Admit(ctx, limited("w"))
		require.NoError(t, err)
		require.Equal(t, int64(0), ad.PrizeID, "the pool came from SQL")
		require.Equal(t, []int64{6}, ad.EmptyPrizes)
		require.Equal(t, int64(4), readCounters(t, l, act, "u", 6, day1).stock)
	})
}

func TestLoadOutlivesShortDeadline(t *testing.T) {
	const act = 24
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		truth := &gatedTruth{fakeTruth: newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 3}),
			started: make(chan struct{}), release: make(chan struct{})}
		l := NewLedger(env.Client, truth, Options{Prefix: env.Prefix, ReloadGrace: 200 * time.Millisecond, RestartCheck: -1})
		t.Cleanup(func() { _ = l.Close() })

		// The first caller gives up while the load it started is reading SQL.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		errs := make(chan error, 1)
		go func() {
			_, err := l.Admit(ctx, admission(act, "u"))
			errs <- err
		}()
		select {
		case <-truth.started:
		case <-time.After(10 * time.Second):
			t.Fatal("the load never started")
		}
		cancel()
		require.ErrorIs(t, <-errs, context.Canceled)
		close(truth.release)

		require.Eventually(t, func() bool {
			return env.Client.Exists(context.Background(), l.keys(act).epoch()).Val() == 1
		}, 5*time.Second, 10*time.Millisecond, "the load finished without its first caller")
		_, err := l.Admit(context.Background(), admission(act, "u"))
		require.NoError(t, err)
		require.Equal(t, int64(1), truth.calls.Load())
	})
}

// gatedTruth signals started when a load reads it and holds the read until release.
type gatedTruth struct {
	*fakeTruth
	once             sync.Once
	started, release chan struct{}
}

func (g *gatedTruth) Snapshot(ctx context.Context, activityID int64, day string) (draw.Snapshot, error) {
	g.once.Do(func() { close(g.started) })
	<-g.release
	return g.fakeTruth.Snapshot(ctx, activityID, day)
}

func TestBlacklistCopies(t *testing.T) {
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		truth := newFakeTruth(draw.Snapshot{ActivityID: 25, StockLeft: 9}, draw.Snapshot{ActivityID: 26, StockLeft: 9})
		l := newTestLedger(t, env, truth)
		ctx := context.Background()
		for _, act := range []int64{25, 26} {
			_, err := l.Admit(ctx, admission(act, "u"))
			require.NoError(t, err)
		}
		require.NoError(t, l.BlacklistAdd(ctx, "u"))
		for _, act := range []int64{25, 26} {
			_, err := l.Admit(ctx, admission(act, "u"))
			require.ErrorIs(t, err, draw.ErrBlacklisted)
		}
		require.NoError(t, l.BlacklistRemove(ctx, "u"))
		_, err := l.Admit(ctx, admission(25, "u"))
		require.NoError(t, err)
	})
}

func TestTopUp(t *testing.T) {
	const act = 27
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := newTestLedger(t, env, newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 9,
			Prizes: map[int64]draw.PrizeCount{2: {Pool: 0}}}))
		ctx := context.Background()
		require.NoError(t, l.TopUp(ctx, act, 2, 5), "not loaded: nothing to do")
		require.Equal(t, int64(1), env.Client.Exists(ctx, l.keys(act).gen()).Val(), "a running load is told")

		ad, err := l.Admit(ctx, admission(act, "u", draw.Candidate{PrizeID: 2}))
		require.NoError(t, err)
		require.Equal(t, int64(0), ad.PrizeID, "SQL said nothing was released")
		require.NoError(t, l.TopUp(ctx, act, 2, 2))
		ad, err = l.Admit(ctx, admission(act, "u", draw.Candidate{PrizeID: 2}))
		require.NoError(t, err)
		require.Equal(t, int64(2), ad.PrizeID)
		require.Equal(t, int64(1), readCounters(t, l, act, "u", 2, day1).pool)
	})
}

func TestReloadsScriptAfterFlush(t *testing.T) {
	const act = 28
	// SCRIPT FLUSH would hit every user of a shared server, so only the embedded one.
	env := testkit.EmbeddedRedis(t)
	l := newTestLedger(t, env, newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 9}))
	ctx := context.Background()
	_, err := l.Admit(ctx, admission(act, "u"))
	require.NoError(t, err)
	require.NoError(t, env.Client.ScriptFlush(ctx).Err())
	_, err = l.Admit(ctx, admission(act, "u"))
	require.NoError(t, err)
	require.Equal(t, int64(7), readCounters(t, l, act, "u", 0, day1).stock)
}

func TestClosedLedgerRefuses(t *testing.T) {
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := NewLedger(env.Client, newFakeTruth(), Options{Prefix: env.Prefix, RestartCheck: -1})
		require.NoError(t, l.Close())
		require.NoError(t, l.Close())
		_, err := l.Admit(context.Background(), admission(29, "u"))
		require.ErrorIs(t, err, draw.ErrUnavailable)
	})
}

// changingTruth changes the truth while the first snapshot is being read, the way a
// release job's TopUp may land in the middle of a load.
type changingTruth struct {
	*fakeTruth
	during func()
}

func (c *changingTruth) Snapshot(ctx context.Context, activityID int64, day string) (draw.Snapshot, error) {
	s, err := c.fakeTruth.Snapshot(ctx, activityID, day)
	if c.fakeTruth.calls.Load() == 1 {
		c.during()
	}
	return s, err
}

func TestLoadRereadsWhenTruthChangesMidway(t *testing.T) {
	const act = 30
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		snap := draw.Snapshot{ActivityID: act, StockLeft: 9, Prizes: map[int64]draw.PrizeCount{2: {Pool: 0}}}
		truth := &changingTruth{fakeTruth: newFakeTruth(snap)}
		l := newTestLedger(t, env, truth)
		truth.during = func() {
			snap.Prizes = map[int64]draw.PrizeCount{2: {Pool: 1}}
			truth.set(snap)
			require.NoError(t, l.TopUp(context.Background(), act, 2, 1))
		}
		ad, err := l.Admit(context.Background(), admission(act, "u", draw.Candidate{PrizeID: 2}))
		require.NoError(t, err)
		require.Equal(t, int64(2), truth.calls.Load(), "the stale snapshot was read again")
		require.Equal(t, int64(2), ad.PrizeID, "the release is not lost")
	})
}

func TestCounters(t *testing.T) {
	const act = 32
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := newTestLedger(t, env, newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 9,
			Prizes: map[int64]draw.PrizeCount{1 << 58: {Pool: 3}, 2: {Pool: 0}}}))
		ctx := context.Background()
		_, loaded, err := l.Counters(ctx, act)
		require.NoError(t, err)
		require.False(t, loaded)

		_, err = l.Admit(ctx, admission(act, "u", draw.Candidate{PrizeID: 1 << 58}))
		require.NoError(t, err)
		c, loaded, err := l.Counters(ctx, act)
		require.NoError(t, err)
		require.True(t, loaded)
		released, err := l.Released(ctx, act)
		require.NoError(t, err)
		require.Equal(t, Counters{StockLeft: 8, PoolLeft: map[int64]int64{1 << 58: 2, 2: 0}, Released: released}, c,
			"pools and what was released into them, read at once")
	})
}

// A load that finds orders but not the seen mark, i.e. Redis lost the activity's keys,
// marks it for the idempotency TTL: keys used before may have lost their markers. A first
// load, with no orders, does not; nor does the reload after an invalidation, which loses
// no marker.
func TestLoadAfterLosingKeysMarksMarkersLost(t *testing.T) {
	const act = 29
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		snap := draw.Snapshot{ActivityID: act, StockLeft: 10}
		truth := newFakeTruth(snap)
		ctx := context.Background()
		first := newTestLedger(t, env, truth)
		lost := func(l *Ledger) bool {
			t.Helper()
			yes, err := l.MarkersMayBeLost(ctx, act)
			require.NoError(t, err)
			return yes
		}
		_, err := first.Admit(ctx, admission(act, "u"))
		require.NoError(t, err)
		require.False(t, lost(first), "a first load loses no marker")

		// SQL holds u's order; an invalidation reloads the counters, markers intact.
		snap.StockLeft, snap.Users = 9, map[string]draw.UserCount{"u": {Total: 1, Today: 1}}
		truth.set(snap)
		require.NoError(t, first.Invalidate(ctx, act))
		_, err = first.Admit(ctx, admission(act, "v"))
		require.NoError(t, err)
		require.Equal(t, int64(2), truth.calls.Load())
		require.False(t, lost(newTestLedger(t, env, truth)), "an invalidation loses no marker")

		// Redis loses everything of this prefix.
		testkit.LoseKeys(env.Client, env.Prefix)
		_, err = first.Admit(ctx, admission(act, "w"))
		require.NoError(t, err)
		require.Equal(t, int64(3), truth.calls.Load())
		require.True(t, lost(first), "the loading process knows at once")
		require.True(t, lost(newTestLedger(t, env, truth)), "others read it from Redis")
		ttl, err := env.Client.TTL(ctx, first.keys(act).rebuilt()).Result()
		require.NoError(t, err)
		require.InDelta(t, time.Hour.Seconds(), ttl.Seconds(), 5, "as long as a marker lives")
	})
}

// KeyOrder reads the key's marker: the order it names, or none.
func TestKeyOrderReadsTheMarker(t *testing.T) {
	const act = 41
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := newTestLedger(t, env, newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 10}))
		ctx := context.Background()
		a := admission(act, "u")
		a.IdempotencyKey = "k1"
		_, err := l.Admit(ctx, a)
		require.NoError(t, err)

		id, err := l.KeyOrder(ctx, act, "u", "k1")
		require.NoError(t, err)
		require.Equal(t, a.OrderID, id, "the marker names the order")
		id, err = l.KeyOrder(ctx, act, "u", "k2")
		require.NoError(t, err)
		require.Zero(t, id, "no marker")
	})
}

// A load just after midnight rebuilds the day before too: a draw that began before
// midnight and waited for the load is held to that day's limits and quotas, which SQL's
// orders of that day have used up.
func TestLoadRebuildsTheDayBefore(t *testing.T) {
	const act = 27
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		truth := newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 50,
			Users:  map[string]draw.UserCount{"u": {Total: 1, PrevDay: 1}, "v": {Total: 1, PrevDay: 1}},
			Prizes: map[int64]draw.PrizeCount{4: {Pool: 9, WinsOnPrevDay: 1}},
		})
		l := newTestLedger(t, env, truth)
		ctx := context.Background()
		_, today, err := l.Quota(ctx, act, "w", day2, 0, 1) // loads for day2
		require.NoError(t, err)
		require.Equal(t, int64(1), today)

		late := admission(act, "u") // day1
		late.PerUserDaily = 1
		_, err = l.Admit(ctx, late)
		require.ErrorIs(t, err, draw.ErrQuotaExhausted, "u drew on day1 already")

		won := admission(act, "x", draw.Candidate{PrizeID: 4, DailyQuota: 1}, draw.Candidate{PrizeID: 0})
		ad, err := l.Admit(ctx, won)
		require.NoError(t, err)
		require.Zero(t, ad.PrizeID, "prize 4's quota of day1 is used up")
		require.Equal(t, int64(1), readCounters(t, l, act, "v", 4, day1).userToday)
		require.Equal(t, int64(1), readCounters(t, l, act, "v", 4, day1).prizeDay)
	})
}

// A blacklisting during a load does not make the load read its whole snapshot again (a
// feed of blacklistings could keep a large activity from ever loading): the blacklist
// alone is written again, and the user blacklisted meanwhile is refused.
func TestBlacklistingDuringALoad(t *testing.T) {
	const act = 31
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		snap := draw.Snapshot{ActivityID: act, StockLeft: 9}
		truth := &changingTruth{fakeTruth: newFakeTruth(snap)}
		l := newTestLedger(t, env, truth)
		truth.during = func() {
			snap.Blacklist = []string{"bot"} // stored in SQL after the snapshot read it
			truth.set(snap)
			require.NoError(t, l.BlacklistAdd(context.Background(), "bot"))
		}
		_, err := l.Admit(context.Background(), admission(act, "u"))
		require.NoError(t, err)
		require.Equal(t, int64(1), truth.calls.Load(), "the snapshot was read once")
		_, err = l.Admit(context.Background(), admission(act, "bot"))
		require.ErrorIs(t, err, draw.ErrBlacklisted, "the blacklisting is not lost")
	})
}

// flakyBlacklist fails its first read of the blacklist alone, and calls hook first.
type flakyBlacklist struct {
	*changingTruth
	fail bool
	hook func()
}

func (f *flakyBlacklist) Blacklist(ctx context.Context) ([]string, error) {
	if f.hook != nil {
		f.hook()
	}
	if f.fail {
		f.fail = false
		return nil, errors.New("sql away")
	}
	return f.changingTruth.Blacklist(ctx)
}

// No draw is admitted before a load's blacklist is current: while it is written again the
// activity is not loaded (no epoch), and when that fails, the load failed: the next draw
// loads again, with the blacklisting.
func TestNoDrawBeforeTheLoadsBlacklistIsCurrent(t *testing.T) {
	const act = 32
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		snap := draw.Snapshot{ActivityID: act, StockLeft: 9}
		ct := &changingTruth{fakeTruth: newFakeTruth(snap)}
		truth := &flakyBlacklist{changingTruth: ct, fail: true}
		l := newTestLedger(t, env, truth)
		ctx := context.Background()
		truth.hook = func() {
			n, err := env.Client.Exists(ctx, l.keys(act).epoch()).Result()
			require.NoError(t, err)
			assert.Zero(t, n, "not loaded while the blacklist is read again")
		}
		ct.during = func() {
			snap.Blacklist = []string{"bot"}
			ct.set(snap)
			require.NoError(t, l.BlacklistAdd(ctx, "bot"))
		}
		_, err := l.Admit(ctx, admission(act, "u"))
		require.ErrorIs(t, err, draw.ErrUnavailable, "the load failed with its read of the blacklist")
		_, err = l.Admit(ctx, admission(act, "bot"))
		require.ErrorIs(t, err, draw.ErrBlacklisted)
	})
}

// A load asked for by a draw of the day before (its clock read just before midnight)
// that the truth counts for the new day writes the new day's counters: a user's wins and
// a prize's wins of the new day, committed before Redis lost them, still count.
func TestLoadWritesTheDayTheTruthCounted(t *testing.T) {
	const act = 33
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		ctx := context.Background()
		const prize = 77
		truth := newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 10,
			Users:  map[string]draw.UserCount{"u1": {Total: 1, Today: 1}},
			Prizes: map[int64]draw.PrizeCount{prize: {Pool: 9, WinsOnDay: 1, Released: 10}}})
		truth.today = day2
		l := newTestLedger(t, env, truth)
		_, err := l.Admit(ctx, admission(act, "u2")) // day1: read just before midnight
		require.NoError(t, err)

		again := admission(act, "u1", draw.Candidate{PrizeID: prize, DailyQuota: 1})
		again.Day, again.PerUserDaily = day2, 1
		_, err = l.Admit(ctx, again)
		require.ErrorIs(t, err, draw.ErrQuotaExhausted, "u1 drew on day2 already")
		other := admission(act, "u3", draw.Candidate{PrizeID: prize, DailyQuota: 1})
		other.Day = day2
		ad, err := l.Admit(ctx, other)
		require.NoError(t, err)
		require.Zero(t, ad.PrizeID, "the prize's one win of day2 is taken")
	})
}
