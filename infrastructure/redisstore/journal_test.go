package redisstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/internal/testkit"
)

func journalSnapshot(act int64) draw.Snapshot {
	return draw.Snapshot{ActivityID: act, StockLeft: 10, Prizes: map[int64]draw.PrizeCount{3: {Pool: 4, WinsOnDay: 1}}}
}

func TestUndoGivesBackOnce(t *testing.T) {
	const act = 11
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := newTestLedger(t, env, newFakeTruth(journalSnapshot(act)))
		ctx := context.Background()
		a := admission(act, "u", draw.Candidate{PrizeID: 3, DailyQuota: 5})
		a.IdempotencyKey = "key"
		require.NoError(t, l.ensureLoaded(ctx, act, day1))
		before := readCounters(t, l, act, "u", 3, day1)

		ad, err := l.Admit(ctx, a)
		require.NoError(t, err)
		require.Equal(t, int64(3), ad.PrizeID)
		require.Equal(t, counters{stock: 9, userTotal: 1, userToday: 1, pool: 3, prizeDay: 2, journal: 1},
			readCounters(t, l, act, "u", 3, day1))

		require.NoError(t, l.Undo(ctx, a, ad))
		require.Equal(t, before, readCounters(t, l, act, "u", 3, day1))
		require.NoError(t, l.Undo(ctx, a, ad), "a second undo is a no-op")
		require.Equal(t, before, readCounters(t, l, act, "u", 3, day1))

		// The idempotency key was freed: the client's retry draws again.
		a.OrderID++
		_, err = l.Admit(ctx, a)
		require.NoError(t, err)
	})
}

func TestUndoAfterReloadOnlyDropsJournal(t *testing.T) {
	const act = 12
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := newTestLedger(t, env, newFakeTruth(journalSnapshot(act)))
		ctx := context.Background()
		a := admission(act, "u", draw.Candidate{PrizeID: 3})
		ad, err := l.Admit(ctx, a)
		require.NoError(t, err)

		// The counters are rebuilt from SQL, where this order never arrived.
		require.NoError(t, l.Invalidate(ctx, act))
		require.NoError(t, l.ensureLoaded(ctx, act, day1))
		reloaded := readCounters(t, l, act, "u", 3, day1)
		require.Equal(t, int64(10), reloaded.stock)
		require.Equal(t, int64(1), reloaded.journal)

		require.NoError(t, l.Undo(ctx, a, ad))
		reloaded.journal = 0
		require.Equal(t, reloaded, readCounters(t, l, act, "u", 3, day1), "nothing given back twice")
	})
}

func TestSettle(t *testing.T) {
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := newTestLedger(t, env, newFakeTruth(journalSnapshot(13), journalSnapshot(14)))
		ctx := context.Background()
		var done []draw.Settlement
		var first draw.Admission
		var firstAd draw.Admitted
		for i := range 6 {
			a := admission(int64(13+i%2), "u", draw.Candidate{PrizeID: 3})
			ad, err := l.Admit(ctx, a)
			require.NoError(t, err)
			if i == 0 {
				first, firstAd = a, ad
			}
			done = append(done, draw.Settlement{ActivityID: a.ActivityID, JournalID: ad.JournalID})
		}
		require.NoError(t, l.Settle(ctx, done))
		require.NoError(t, l.Settle(ctx, nil))
		for _, act := range []int64{13, 14} {
			got := readCounters(t, l, act, "u", 3, day1)
			require.Equal(t, int64(0), got.journal)
			require.Equal(t, int64(7), got.stock)
		}
		// A committed order is never undone.
		require.NoError(t, l.Undo(ctx, first, firstAd))
		require.Equal(t, int64(7), readCounters(t, l, 13, "u", 3, day1).stock)
	})
}

func TestPendingAndRecover(t *testing.T) {
	const act = 15
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := newTestLedger(t, env, newFakeTruth(journalSnapshot(act)))
		ctx := context.Background()
		var as []draw.Admission
		var ads []draw.Admitted
		for i := range 3 {
			a := admission(act, "u", draw.Candidate{PrizeID: 3})
			if i == 2 {
				a.IdempotencyKey = "retry-me"
			}
			ad, err := l.Admit(ctx, a)
			require.NoError(t, err)
			as, ads = append(as, a), append(ads, ad)
		}
		require.NoError(t, l.Settle(ctx, []draw.Settlement{{ActivityID: act, JournalID: ads[0].JournalID}}))

		none, err := l.Pending(ctx, time.Hour)
		require.NoError(t, err)
		require.Empty(t, none)

		pending, err := l.Pending(ctx, 0)
		require.NoError(t, err)
		require.Len(t, pending, 2)
		for i, e := range pending {
			a, ad := as[i+1], ads[i+1]
			require.Equal(t, draw.JournalEntry{
				ActivityID: act, OrderID: a.OrderID, JournalID: ad.JournalID, UserID: "u", Day: day1,
				PrizeID: 3, Epoch: ad.Epoch, IdempotencyKey: a.IdempotencyKey, At: e.At,
			}, e)
			require.WithinDuration(t, time.Now(), e.At, time.Minute)
		}
		require.Equal(t, counters{stock: 7, userTotal: 3, userToday: 3, pool: 1, prizeDay: 4, journal: 2},
			readCounters(t, l, act, "u", 3, day1))

		// Committed: only the entry goes. Lost: the admission is given back.
		require.NoError(t, l.Recover(ctx, pending[0], true))
		require.NoError(t, l.Recover(ctx, pending[1], false))
		require.NoError(t, l.Recover(ctx, pending[1], false), "recovering twice is a no-op")
		require.Equal(t, counters{stock: 8, userTotal: 2, userToday: 2, pool: 2, prizeDay: 3, journal: 0},
			readCounters(t, l, act, "u", 3, day1))

		a := as[2]
		a.OrderID++
		_, err = l.Admit(ctx, a)
		require.NoError(t, err, "the idempotency key of a lost order is free again")
	})
}

func TestAbandonedAdmissionsAreGivenBack(t *testing.T) {
	const act = 16
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := newTestLedger(t, env, newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 100}))
		require.NoError(t, l.ensureLoaded(context.Background(), act, day1))
		gone, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := l.Admit(gone, admission(act, "u"))
		require.ErrorIs(t, err, context.Canceled)

		// The caller gives up at any point: before sending, while queued, on the wire or
		// after the reply. Whatever it was not told it got is given back.
		var won int64
		for range 50 {
			ctx, cancel := context.WithCancel(context.Background())
			go cancel()
			_, err := l.Admit(ctx, admission(act, "u"))
			if err == nil {
				won++
				continue
			}
			require.ErrorIs(t, err, context.Canceled)
		}
		require.Eventually(t, func() bool {
			c := readCounters(t, l, act, "u", 3, day1)
			return c.stock == 100-won && c.journal == won && c.userTotal == won
		}, 5*time.Second, 10*time.Millisecond)
	})
}

// pipelineGate runs before once, ahead of the first pipeline it sees.
type pipelineGate struct {
	once   sync.Once
	before func()
}

func (*pipelineGate) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (*pipelineGate) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (g *pipelineGate) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		g.once.Do(g.before)
		return next(ctx, cmds)
	}
}

func TestAdmissionAbandonedOnTheWireIsGivenBack(t *testing.T) {
	const act = 17
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := newTestLedger(t, env, newFakeTruth(journalSnapshot(act)))
		require.NoError(t, l.ensureLoaded(context.Background(), act, day1))

		ctx, cancel := context.WithCancel(context.Background())
		gone := make(chan struct{})
		// The caller gives up after its admission was sent and before the reply arrives.
		l.admitter.AddHook(&pipelineGate{before: func() { cancel(); <-gone }}) // the client admissions go through
		_, err := l.Admit(ctx, admission(act, "u", draw.Candidate{PrizeID: 3}))
		close(gone)
		require.ErrorIs(t, err, context.Canceled)

		require.Eventually(t, func() bool {
			c := readCounters(t, l, act, "u", 3, day1)
			return c == counters{stock: 10, pool: 4, prizeDay: 1}
		}, 5*time.Second, 10*time.Millisecond)
	})
}

// An entry stamped after the server's clock (which then stepped back) is listed all the
// same: recovery ages entries on its own clock and must see every one.
func TestPendingListsEntriesStampedAhead(t *testing.T) {
	const act = 16
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := newTestLedger(t, env, newFakeTruth(journalSnapshot(act)))
		ctx := context.Background()
		a := admission(act, "u", draw.Candidate{PrizeID: 3})
		_, err := l.Admit(ctx, a)
		require.NoError(t, err)
		ahead := fmt.Sprintf("%d-0", time.Now().Add(time.Hour).UnixMilli())
		require.NoError(t, l.client.XAdd(ctx, &redis.XAddArgs{Stream: l.keys(act).journal(), ID: ahead,
			Values: []string{"o", "99", "u", "v", "d", day1, "p", "0", "e", "1", "k", ""}}).Err())

		pending, err := l.Pending(ctx, 0)
		require.NoError(t, err)
		require.Len(t, pending, 2)
		assert.Equal(t, a.OrderID, pending[0].OrderID)
		assert.Equal(t, int64(99), pending[1].OrderID, "stamped an hour ahead")
	})
}
