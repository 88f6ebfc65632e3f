package redisstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/internal/testkit"
)

// A retired activity is no longer loaded, its counters are gone, and whatever asks for
// them again has them rebuilt from SQL.
func TestRetiredActivityComesBackFromSQL(t *testing.T) {
	const act = 41
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		truth := newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 10})
		l := newTestLedger(t, env, truth)
		ctx := context.Background()
		_, err := l.Admit(ctx, admission(act, "u", draw.Candidate{PrizeID: 0}))
		require.NoError(t, err)

		require.NoError(t, l.Retire(ctx, act))
		ids, err := l.Loaded(ctx)
		require.NoError(t, err)
		require.Empty(t, ids)
		k := l.keys(act)
		require.Zero(t, env.Client.Exists(ctx, k.epoch(), k.stock(), k.userTotal(), k.journal(), k.gen(), k.seen()).Val())

		truth.set(draw.Snapshot{ActivityID: act, StockLeft: 9})
		_, err = l.Admit(ctx, admission(act, "v"))
		require.NoError(t, err)
		require.Equal(t, int64(2), truth.calls.Load())
		require.Equal(t, "8", env.Client.Get(ctx, k.stock()).Val())
	})
}
