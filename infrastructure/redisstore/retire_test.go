package redisstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/internal/testkit"
)

// A retired activity is no longer loaded, its counters without a TTL are gone, the seen
// mark lives as long as the markers, and whatever asks for the counters again has them
// rebuilt from SQL. While a load holds the activity, or an admission is in its journal,
// nothing is dropped.
func TestRetiredActivityComesBackFromSQL(t *testing.T) {
	const act, prize = 41, 7
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		truth := newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 10,
			Prizes: map[int64]draw.PrizeCount{prize: {Pool: 5, Released: 5}}, Blacklist: []string{"mallory"}})
		l := newTestLedger(t, env, truth)
		ctx := context.Background()
		k := l.keys(act)
		ad, err := l.Admit(ctx, admission(act, "u", draw.Candidate{PrizeID: prize}))
		require.NoError(t, err)
		retire := func() bool {
			t.Helper()
			done, err := l.Retire(ctx, act)
			require.NoError(t, err)
			return done
		}

		require.Equal(t, int64(9), env.Client.Exists(ctx, k.epoch(), k.stock(), k.blacklist(), k.userTotal(),
			k.journal(), k.prizes(), k.pool(prize), k.released(prize), k.seen()).Val(), "what a load and a draw leave")
		require.False(t, retire(), "an admission is in the journal")
		require.NoError(t, l.Settle(ctx, []draw.Settlement{{ActivityID: act, JournalID: ad.JournalID}}))
		require.NoError(t, env.Client.Set(ctx, k.loadLock(), "a load", 0).Err())
		require.False(t, retire(), "a load holds the activity")
		require.Equal(t, int64(1), env.Client.Exists(ctx, k.epoch()).Val(), "left as it was")
		require.NoError(t, env.Client.Del(ctx, k.loadLock()).Err())

		require.True(t, retire())
		ids, err := l.Loaded(ctx)
		require.NoError(t, err)
		require.Empty(t, ids)
		require.Zero(t, env.Client.Exists(ctx, k.epoch(), k.stock(), k.blacklist(), k.userTotal(), k.journal(),
			k.gen(), k.prizes(), k.pool(prize), k.released(prize), k.loadLock()).Val())
		require.Positive(t, env.Client.TTL(ctx, k.seen()).Val(), "seen expires with the markers")

		truth.set(draw.Snapshot{ActivityID: act, StockLeft: 9})
		_, err = l.Admit(ctx, admission(act, "v"))
		require.NoError(t, err)
		require.Equal(t, int64(2), truth.calls.Load())
		require.Equal(t, "8", env.Client.Get(ctx, k.stock()).Val())
	})
}
