package redisstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestAdmitRefusals(t *testing.T) {
	const act = 7
	base := draw.Snapshot{ActivityID: act, StockLeft: 10, Prizes: map[int64]draw.PrizeCount{1: {Pool: 5}}}
	with := func(f func(*draw.Snapshot)) draw.Snapshot {
		s := base
		f(&s)
		return s
	}
	tests := []struct {
		name  string
		snap  draw.Snapshot
		first func(a *draw.Admission) // an admission made before the one under test, nil = none
		a     func(a *draw.Admission)
		want  error
	}{
		{
			name: "sold out",
			snap: with(func(s *draw.Snapshot) { s.StockLeft = 0 }),
			want: draw.ErrSoldOut,
		},
		{
			name: "user total reached in SQL",
			snap: with(func(s *draw.Snapshot) { s.Users = map[string]draw.UserCount{"u": {Total: 3}} }),
			a:    func(a *draw.Admission) { a.PerUserTotal = 3 },
			want: draw.ErrQuotaExhausted,
		},
		{
			name:  "user total reached by draws",
			snap:  base,
			first: func(a *draw.Admission) { a.PerUserTotal = 1 },
			a:     func(a *draw.Admission) { a.PerUserTotal = 1 },
			want:  draw.ErrQuotaExhausted,
		},
		{
			name: "user daily reached",
			snap: with(func(s *draw.Snapshot) { s.Users = map[string]draw.UserCount{"u": {Total: 1, Today: 1}} }),
			a:    func(a *draw.Admission) { a.PerUserTotal, a.PerUserDaily = 5, 1 },
			want: draw.ErrDailyQuotaExhausted,
		},
		{
			name: "blacklisted",
			snap: with(func(s *draw.Snapshot) { s.Blacklist = []string{"x", "u"} }),
			want: draw.ErrBlacklisted,
		},
		{
			name:  "rate limited per user",
			snap:  base,
			first: func(a *draw.Admission) { a.Rate = draw.RateLimit{PerUser: 1} },
			a:     func(a *draw.Admission) { a.Rate = draw.RateLimit{PerUser: 1} },
			want:  draw.ErrRateLimited,
		},
		{
			name: "rate limited per IP",
			snap: base,
			first: func(a *draw.Admission) {
				a.UserID, a.ClientIP, a.Rate = "other", "10.0.0.1", draw.RateLimit{PerIP: 0.5, Burst: 1}
			},
			a:    func(a *draw.Admission) { a.ClientIP, a.Rate = "10.0.0.1", draw.RateLimit{PerIP: 0.5} },
			want: draw.ErrRateLimited,
		},
		{
			name:  "duplicate idempotency key",
			snap:  base,
			first: func(a *draw.Admission) { a.IdempotencyKey = "k1" },
			a:     func(a *draw.Admission) { a.IdempotencyKey = "k1" },
			want:  &draw.DuplicateError{},
		},
	}
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				env.Prefix = testkit.UniqueName("r") + ":"
				t.Cleanup(func() { cleanupPrefix(env) })
				l := newTestLedger(t, env, newFakeTruth(tt.snap))
				ctx := context.Background()
				require.NoError(t, l.ensureLoaded(ctx, act, day1))
				var firstID int64
				if tt.first != nil {
					a := admission(act, "u")
					tt.first(&a)
					firstID = a.OrderID
					_, err := l.Admit(ctx, a)
					require.NoError(t, err)
				}
				a := admission(act, "u")
				if tt.a != nil {
					tt.a(&a)
				}
				before := readCounters(t, l, act, "u", 1, day1)
				_, err := l.Admit(ctx, a)

				var dup *draw.DuplicateError
				var rl *draw.RateLimitError
				switch {
				case errors.As(tt.want, &dup):
					require.ErrorAs(t, err, &dup)
					require.Equal(t, firstID, dup.OrderID)
				case errors.Is(tt.want, draw.ErrRateLimited):
					require.ErrorIs(t, err, draw.ErrRateLimited)
					require.ErrorAs(t, err, &rl)
					require.Positive(t, rl.RetryAfter)
					require.LessOrEqual(t, rl.RetryAfter, 2*time.Second)
				default:
					require.ErrorIs(t, err, tt.want)
				}
				// A refusal moves no counter.
				require.Equal(t, before, readCounters(t, l, act, "u", 1, day1))
			})
		}
	})
}

func TestAdmitCandidates(t *testing.T) {
	const act = 8
	snap := draw.Snapshot{ActivityID: act, StockLeft: 100, Prizes: map[int64]draw.PrizeCount{
		1: {Pool: 0},
		2: {Pool: 10},
		3: {Pool: 10, WinsOnDay: 2}, // daily quota 2 already used on day1
	}}
	c := func(prize, quota int64) draw.Candidate { return draw.Candidate{PrizeID: prize, DailyQuota: quota} }
	tests := []struct {
		name       string
		candidates []draw.Candidate
		wantPrize  int64
		wantEmpty  []int64
	}{
		{"fixed lose", []draw.Candidate{c(0, 0)}, 0, nil},
		{"fixed win", []draw.Candidate{c(2, 0)}, 2, nil},
		{"fixed empty pool loses", []draw.Candidate{c(1, 0)}, 0, []int64{1}},
		{"fixed daily quota used loses", []draw.Candidate{c(3, 2)}, 0, []int64{3}},
		{"walk past empty to win", []draw.Candidate{c(1, 0), c(3, 2), c(2, 0)}, 2, []int64{1, 3}},
		{"walk stops at no prize", []draw.Candidate{c(1, 0), c(0, 0), c(2, 0)}, 0, []int64{1}},
		{"all empty loses", []draw.Candidate{c(1, 0), c(3, 2), c(9, 0)}, 0, []int64{1, 3, 9}},
		{"quota not reached wins", []draw.Candidate{c(3, 3)}, 3, nil},
	}
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				env.Prefix = testkit.UniqueName("c") + ":"
				t.Cleanup(func() { cleanupPrefix(env) })
				l := newTestLedger(t, env, newFakeTruth(snap))
				a := admission(act, "u", tt.candidates...)
				a.PerUserTotal, a.PerUserDaily = 5, 2
				ad, err := l.Admit(context.Background(), a)
				require.NoError(t, err)
				require.Equal(t, tt.wantPrize, ad.PrizeID)
				require.Equal(t, tt.wantEmpty, ad.EmptyPrizes)
				require.Equal(t, int64(4), ad.LeftTotal)
				require.Equal(t, int64(1), ad.LeftToday)
				require.NotEmpty(t, ad.Epoch)
				require.NotEmpty(t, ad.JournalID)

				got := readCounters(t, l, act, "u", tt.wantPrize, day1)
				require.Equal(t, int64(99), got.stock)
				require.Equal(t, int64(1), got.userTotal)
				require.Equal(t, int64(1), got.userToday)
				require.Equal(t, int64(1), got.journal)
				if tt.wantPrize != 0 {
					require.Equal(t, snap.Prizes[tt.wantPrize].Pool-1, got.pool)
					require.Equal(t, snap.Prizes[tt.wantPrize].WinsOnDay+1, got.prizeDay)
				}
			})
		}
	})
}

func TestAdmitDailyQuotaPerDay(t *testing.T) {
	const act = 9
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := newTestLedger(t, env, newFakeTruth(draw.Snapshot{
			ActivityID: act, StockLeft: 100, Prizes: map[int64]draw.PrizeCount{5: {Pool: 10}},
		}))
		ctx := context.Background()
		draw1 := func(user, day string) draw.Admitted {
			a := admission(act, user, draw.Candidate{PrizeID: 5, DailyQuota: 2})
			a.Day, a.PerUserDaily = day, 1
			ad, err := l.Admit(ctx, a)
			require.NoError(t, err)
			return ad
		}
		require.Equal(t, int64(5), draw1("a", day1).PrizeID)
		require.Equal(t, int64(5), draw1("b", day1).PrizeID)
		require.Equal(t, int64(0), draw1("c", day1).PrizeID, "quota of day1 used up")
		require.Equal(t, int64(5), draw1("a", day2).PrizeID, "a new day, a new quota and user day limit")
		require.Equal(t, int64(5), draw1("b", day2).PrizeID)
		k := l.keys(act)
		for _, key := range []string{k.userDay(day1), k.prizeDay(5, day1), k.userDay(day2), k.prizeDay(5, day2)} {
			ttl, err := l.client.TTL(ctx, key).Result()
			require.NoError(t, err)
			require.Greater(t, ttl, time.Duration(0), "%s expires after its day", key)
		}

		left, today, err := l.Quota(ctx, act, "a", day2, 0, 1)
		require.NoError(t, err)
		require.Equal(t, int64(-1), left)
		require.Equal(t, int64(0), today)
		left, today, err = l.Quota(ctx, act, "a", day1, 3, 0)
		require.NoError(t, err)
		require.Equal(t, int64(1), left)
		require.Equal(t, int64(-1), today)
	})
}

func TestAdmitRejectsInvalid(t *testing.T) {
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := newTestLedger(t, env, newFakeTruth())
		a := admission(1, "u")
		a.Day = "June 1st"
		_, err := l.Admit(context.Background(), a)
		require.Error(t, err)
	})
}

func TestIdempotencyKeyLivesAsLongAsConfigured(t *testing.T) {
	const act = 10
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := NewLedger(env.Client, newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 10}),
			Options{Prefix: env.Prefix, ReloadGrace: 20 * time.Millisecond, IdempotencyTTL: 90 * time.Second, RestartCheck: -1})
		t.Cleanup(func() { _ = l.Close() })
		ctx := context.Background()
		a := admission(act, "u")
		a.IdempotencyKey = "k"
		_, err := l.Admit(ctx, a)
		require.NoError(t, err)
		ttl, err := l.client.TTL(ctx, l.keys(act).idem("u", "k")).Result()
		require.NoError(t, err)
		assert.Greater(t, ttl, 80*time.Second)
		assert.LessOrEqual(t, ttl, 90*time.Second)
	})
}

// A rate turns into the interval between draws; one too small for an int64 of
// microseconds saturates (a draw once in decades) instead of wrapping to no limit.
func TestIntervalMicros(t *testing.T) {
	t.Parallel()
	assert.Equal(t, int64(0), intervalMicros(0), "off")
	assert.Equal(t, int64(200_000), intervalMicros(5))
	assert.Equal(t, int64(1), intervalMicros(1e7))
	assert.Equal(t, int64(1e15), intervalMicros(1e-13))
	assert.Equal(t, int64(1e15), intervalMicros(5e-324))
}

// The per-IP limit counts an IPv6 client by its /64.
func TestRateLimitedAddr(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "198.51.100.7", rateLimitedAddr("198.51.100.7"))
	assert.Equal(t, "198.51.100.7", rateLimitedAddr("::ffff:198.51.100.7"))
	assert.Equal(t, "2001:db8:1:2::/64", rateLimitedAddr("2001:db8:1:2:aaaa:bbbb:cccc:dddd"))
	assert.Equal(t, rateLimitedAddr("2001:db8:1:2::1"), rateLimitedAddr("2001:db8:1:2:ffff::9"))
	assert.Equal(t, "not-an-ip", rateLimitedAddr("not-an-ip"))
}
