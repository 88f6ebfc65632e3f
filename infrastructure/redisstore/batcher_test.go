package redisstore

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestGroupCallsOneActivityPerScriptCallInOrder(t *testing.T) {
	call := func(activity int64, user string) *admitCall {
		return &admitCall{a: draw.Admission{ActivityID: activity, UserID: user}}
	}
	calls := []*admitCall{call(1, "a"), call(2, "b"), call(1, "c"), call(1, "d"), call(2, "e"), call(1, "f")}

	groups := groupCalls(calls, 3)

	users := func(g []*admitCall) (out []string) {
		for _, c := range g {
			out = append(out, c.a.UserID)
		}
		return out
	}
	require.Len(t, groups, 3)
	require.Equal(t, []string{"a", "c", "d"}, users(groups[0]))
	require.Equal(t, []string{"b", "e"}, users(groups[1]))
	require.Equal(t, []string{"f"}, users(groups[2]), "a full group starts a new one")
}

// A script call names each key once: the activity's own first, then the others in the
// order the admissions name them, and each admission gives their indices.
func TestEvalArgsNamesEachKeyOnce(t *testing.T) {
	l := &Ledger{opts: Options{Prefix: "p:"}, idemTTL: int64(60), dayTTL: int64(90), admitHash: "sha"}
	a := admission(1, "u", draw.Candidate{PrizeID: 7, DailyQuota: 3})
	a.IdempotencyKey = "k"
	b := admission(1, "v", draw.Candidate{PrizeID: 7, DailyQuota: 3}, draw.Candidate{PrizeID: 0})
	b.Rate = draw.RateLimit{PerUser: 2, Burst: 1}

	cmd := l.evalArgs([]*admitCall{l.newCall(a), l.newCall(b)})

	t1 := "p:{a:1}:"
	keys := []any{t1 + "epoch", t1 + "stock", t1 + "bl", t1 + "ut", t1 + "journal",
		t1 + "idem:u:k", t1 + "ud:" + day1, t1 + "pool:7", t1 + "pd:7:" + day1, t1 + "rl:u:v"}
	want := append([]any{"evalsha", "sha", len(keys)}, keys...)
	want = append(want, 2, int64(60), int64(90),
		strconv.FormatInt(a.OrderID, 10), "u", day1, int64(0), int64(0), "k", 6, 7, "0",
		1, "7", int64(3), 8, 9,
		strconv.FormatInt(b.OrderID, 10), "v", day1, int64(0), int64(0), "", 0, 7,
		"1", int64(500000), int64(0), 1, 10, 0,
		2, "7", int64(3), 8, 9, "0", int64(0), 0, 0)
	require.Equal(t, want, cmd)
}

// One script call admits its draws one after the other, so a later draw of the batch sees
// what an earlier one took, and activities of one round trip stay apart.
func TestOneFlushAdmitsInOrderAcrossActivities(t *testing.T) {
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		ctx := context.Background()
		truth := newFakeTruth(
			draw.Snapshot{ActivityID: 1, StockLeft: 2, Prizes: map[int64]draw.PrizeCount{1: {Pool: 1}}},
			draw.Snapshot{ActivityID: 2, StockLeft: 1},
		)
		l := newTestLedger(t, env, truth)
		require.NoError(t, l.ensureLoaded(ctx, 1, day1))
		require.NoError(t, l.ensureLoaded(ctx, 2, day1))

		limited := func(a draw.Admission) draw.Admission { a.PerUserTotal = 1; return a }
		admissions := []draw.Admission{
			limited(admission(1, "u", draw.Candidate{PrizeID: 1})), // wins the only prize
			admission(2, "v"), // takes activity 2's stock
			limited(admission(1, "u", draw.Candidate{PrizeID: 1})), // u already drew once
			admission(1, "w", draw.Candidate{PrizeID: 1}),          // pool empty: no prize
			admission(2, "x"), // activity 2 sold out
			admission(1, "y"), // activity 1 sold out
		}
		calls := make([]*admitCall, len(admissions))
		for i, a := range admissions {
			calls[i] = l.newCall(a)
		}

		l.flush(calls)

		results := make([]error, len(calls))
		prizes := make([]int64, len(calls))
		for i, c := range calls {
			r := <-c.res
			require.NoError(t, r.err)
			ad, err := decodeAdmit(r.reply)
			results[i], prizes[i] = err, ad.PrizeID
		}
		require.NoError(t, results[0])
		require.Equal(t, int64(1), prizes[0])
		require.NoError(t, results[1])
		require.True(t, errors.Is(results[2], draw.ErrQuotaExhausted), "got %v", results[2])
		require.NoError(t, results[3])
		require.Zero(t, prizes[3])
		require.True(t, errors.Is(results[4], draw.ErrSoldOut), "got %v", results[4])
		require.True(t, errors.Is(results[5], draw.ErrSoldOut), "got %v", results[5])
	})
}

// The script writes the stock and prize counts a batch took at its end; when Redis fails
// an admission halfway (here a day's count that is not a hash), the draws journaled
// before it have still taken theirs, as the recovery job that gives them back expects.
func TestAFailedBatchKeepsWhatItsJournaledDrawsTook(t *testing.T) {
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		ctx := context.Background()
		truth := newFakeTruth(draw.Snapshot{ActivityID: 1, StockLeft: 5, Prizes: map[int64]draw.PrizeCount{1: {Pool: 5}}})
		l := newTestLedger(t, env, truth)
		require.NoError(t, l.ensureLoaded(ctx, 1, day1))
		require.NoError(t, env.Client.Set(ctx, l.keys(1).userDay(day2), "not a hash", 0).Err())

		won := admission(1, "u", draw.Candidate{PrizeID: 1})
		broken := admission(1, "v", draw.Candidate{PrizeID: 1})
		broken.Day = day2
		calls := []*admitCall{l.newCall(won), l.newCall(broken)}

		l.flush(calls)

		for _, c := range calls {
			require.Error(t, (<-c.res).err, "the script call failed as a whole")
		}
		got := readCounters(t, l, 1, "u", 1, day1)
		require.Equal(t, int64(4), got.stock, "the journaled draw took its stock")
		require.Equal(t, int64(4), got.pool, "and its prize")
		require.Equal(t, int64(1), got.prizeDay)
		require.Equal(t, int64(1), got.journal, "only the first draw was journaled")
	})
}

// One script call follows each user's counts as its draws take them, per day: a user's
// second draw of a day in the same call is refused by the daily limit, a draw of the next
// day is not, and the total limit counts both days.
func TestOneBatchFollowsAUsersCountsAcrossDays(t *testing.T) {
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		ctx := context.Background()
		l := newTestLedger(t, env, newFakeTruth(draw.Snapshot{ActivityID: 1, StockLeft: 10}))
		require.NoError(t, l.ensureLoaded(ctx, 1, day1))

		on := func(day string) draw.Admission {
			a := admission(1, "u")
			a.Day, a.PerUserTotal, a.PerUserDaily = day, 2, 1
			return a
		}
		admissions := []draw.Admission{on(day1), on(day1), on(day2), on(day2), admission(1, "w")}
		calls := make([]*admitCall, len(admissions))
		for i, a := range admissions {
			calls[i] = l.newCall(a)
		}

		l.flush(calls)

		var got []error
		for _, c := range calls {
			r := <-c.res
			require.NoError(t, r.err)
			_, err := decodeAdmit(r.reply)
			got = append(got, err)
		}
		require.NoError(t, got[0])
		require.ErrorIs(t, got[1], draw.ErrDailyQuotaExhausted)
		require.NoError(t, got[2], "a new day")
		require.Equal(t, draw.ErrQuotaExhausted, got[3], "the total limit, across days")
		require.NoError(t, got[4])
		for day, want := range map[string]counters{
			day1: {stock: 7, userTotal: 2, userToday: 1, journal: 3},
			day2: {stock: 7, userTotal: 2, userToday: 1, journal: 3},
		} {
			require.Equal(t, want, readCounters(t, l, 1, "u", 1, day), day)
			require.Positive(t, env.Client.TTL(ctx, l.keys(1).userDay(day)).Val(), "%s expires after its day", day)
		}
	})
}

// A key repeated within one script call is one key: the second draw with it is a
// duplicate of the first, as it would be a call later.
func TestARepeatedKeyInOneBatchIsADuplicate(t *testing.T) {
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		ctx := context.Background()
		l := newTestLedger(t, env, newFakeTruth(draw.Snapshot{ActivityID: 1, StockLeft: 5}))
		require.NoError(t, l.ensureLoaded(ctx, 1, day1))
		first, again := admission(1, "u"), admission(1, "u")
		first.IdempotencyKey, again.IdempotencyKey = "k", "k"
		calls := []*admitCall{l.newCall(first), l.newCall(again)}

		l.flush(calls)

		r := <-calls[0].res
		require.NoError(t, r.err)
		_, err := decodeAdmit(r.reply)
		require.NoError(t, err)
		r = <-calls[1].res
		require.NoError(t, r.err)
		_, err = decodeAdmit(r.reply)
		var dup *draw.DuplicateError
		require.ErrorAs(t, err, &dup)
		require.Equal(t, first.OrderID, dup.OrderID)
		got := readCounters(t, l, 1, "u", 0, day1)
		require.Equal(t, int64(4), got.stock, "one draw taken")
		require.Equal(t, int64(1), got.journal)
	})
}
