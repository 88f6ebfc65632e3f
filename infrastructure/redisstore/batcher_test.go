package redisstore

import (
	"context"
	"errors"
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

func TestEvalArgsLayout(t *testing.T) {
	a := &admitCall{keys: []any{"k1", "k2"}, args: []any{"x"}}
	b := &admitCall{keys: []any{"k3"}, args: []any{"y", 2}}

	cmd := evalArgs([]*admitCall{a, b})

	require.Equal(t, []any{"evalsha", admitScript.Hash(), 3, "k1", "k2", "k3", 2, 2, 1, 1, 2, "x", "y", 2}, cmd)
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
			calls[i] = &admitCall{a: a, res: make(chan admitResult, 1)}
			calls[i].keys, calls[i].args = l.admitArgs(a)
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
