package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/internal/testkit"
)

// orderTruth derives snapshots from the orders committed so far, as SQL would.
type orderTruth struct {
	mu     sync.Mutex
	stock  int64
	pool   int64 // of prize 1
	orders []draw.JournalEntry
	calls  int
}

func (o *orderTruth) commit(e draw.JournalEntry) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.orders = append(o.orders, e)
}

func (o *orderTruth) Blacklist(context.Context) ([]string, error) { return nil, nil }

func (o *orderTruth) Snapshot(_ context.Context, activityID int64, day string) (draw.Snapshot, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls++
	s := draw.Snapshot{ActivityID: activityID, Day: day, StockLeft: o.stock - int64(len(o.orders)),
		Users: map[string]draw.UserCount{}, Prizes: map[int64]draw.PrizeCount{1: {Pool: o.pool}}}
	for _, e := range o.orders {
		u := s.Users[e.UserID]
		u.Total++
		if e.Day == day {
			u.Today++
		}
		s.Users[e.UserID] = u
		if e.PrizeID == 1 {
			p := s.Prizes[1]
			p.Pool--
			if e.Day == day {
				p.WinsOnDay++
			}
			s.Prizes[1] = p
		}
	}
	return s, nil
}

func TestConcurrentAdmissionsKeepInvariants(t *testing.T) {
	const (
		act        = 31
		stock      = 100
		pool       = 30
		quota      = 20
		users      = 24
		perTotal   = 6
		perDaily   = 5
		goroutines = 64
		draws      = 40
	)
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		truth := &orderTruth{stock: stock, pool: pool}
		l := newTestLedger(t, env, truth)
		ctx := context.Background()

		var admitted atomic.Int64
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				for range draws {
					user := fmt.Sprintf("user-%d", rand.IntN(users))
					a := admission(act, user,
						draw.Candidate{PrizeID: 1, DailyQuota: quota}, draw.Candidate{PrizeID: 0})
					a.PerUserTotal, a.PerUserDaily = perTotal, perDaily
					ad, err := l.Admit(ctx, a)
					if err != nil {
						require.ErrorIs(t, err, refusal(err))
						continue
					}
					if admitted.Add(1) == stock/2 {
						// An admin change mid-run: counters are rebuilt from the orders.
						require.NoError(t, l.Invalidate(ctx, act))
					}
					if rand.IntN(5) == 0 { // the commit failed
						require.NoError(t, l.Undo(ctx, a, ad))
						continue
					}
					truth.commit(draw.JournalEntry{OrderID: a.OrderID, UserID: user, Day: a.Day, PrizeID: ad.PrizeID})
					require.NoError(t, l.Settle(ctx, []draw.Settlement{{ActivityID: act, JournalID: ad.JournalID}}))
				}
			})
		}
		wg.Wait()

		perUser := map[string]int{}
		wins := 0
		for _, e := range truth.orders {
			perUser[e.UserID]++
			if e.PrizeID == 1 {
				wins++
			}
		}
		require.LessOrEqual(t, len(truth.orders), stock)
		require.LessOrEqual(t, wins, quota)
		for user, n := range perUser {
			require.LessOrEqual(t, n, perDaily, user)
		}
		require.GreaterOrEqual(t, truth.calls, 2, "the invalidation caused a reload")

		loads := truth.calls
		// Quiet now: Redis equals the truth (invariant 4) and the journal is empty.
		snap, _ := truth.Snapshot(ctx, act, day1)
		got := readCounters(t, l, act, "", 1, day1)
		require.Equal(t, snap.StockLeft, got.stock)
		require.Equal(t, snap.Prizes[1].Pool, got.pool)
		require.Equal(t, snap.Prizes[1].WinsOnDay, got.prizeDay)
		require.Zero(t, got.journal)
		for user, c := range snap.Users {
			got := readCounters(t, l, act, user, 1, day1)
			require.Equal(t, c.Total, got.userTotal, user)
			require.Equal(t, c.Today, got.userToday, user)
		}
		t.Logf("%d orders, %d wins, %d loads", len(truth.orders), wins, loads)
	})
}

// refusal returns err's expected sentinel, so the assertion fails on anything else.
func refusal(err error) error {
	for _, want := range []error{draw.ErrSoldOut, draw.ErrQuotaExhausted} {
		if errors.Is(err, want) {
			return want
		}
	}
	return draw.ErrSoldOut
}
