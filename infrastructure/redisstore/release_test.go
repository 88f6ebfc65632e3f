package redisstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestReleaseRaisesThePoolOnlyByWhatIsNew(t *testing.T) {
	const act, prize = 40, 4
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		truth := newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 100,
			Prizes: map[int64]draw.PrizeCount{prize: {Pool: 3, Released: 5}}}) // 2 of 5 won
		l := newTestLedger(t, env, truth)
		ctx := context.Background()

		added, err := l.Release(ctx, act, prize, 8)
		require.NoError(t, err)
		assert.Zero(t, added, "not loaded: the next load reads SQL")
		assert.Zero(t, env.Client.Exists(ctx, l.keys(act).gen()).Val(), "a running load is not made to read SQL again")

		_, err = l.Admit(ctx, admission(act, "u"))
		require.NoError(t, err)
		released, err := l.Released(ctx, act)
		require.NoError(t, err)
		assert.Equal(t, map[int64]int64{prize: 5}, released, "the load wrote what SQL released; the next run adds the rest")

		tests := []struct {
			target, added, pool int64
		}{
			{5, 0, 3},   // nothing new
			{9, 4, 7},   // four more units
			{7, 0, 7},   // an older clock never takes back
			{12, 3, 10}, // what a missed run would have released carries over
		}
		for _, tt := range tests {
			added, err := l.Release(ctx, act, prize, tt.target)
			require.NoError(t, err)
			assert.Equal(t, tt.added, added, "target %d", tt.target)
			assert.Equal(t, tt.pool, readCounters(t, l, act, "u", prize, day1).pool, "target %d", tt.target)
		}
		released, err = l.Released(ctx, act)
		require.NoError(t, err)
		assert.Equal(t, int64(12), released[prize])
	})
}

func TestReleaseWithoutCounterForcesAReload(t *testing.T) {
	const act, prize = 41, 4
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := newTestLedger(t, env, newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 100,
			Prizes: map[int64]draw.PrizeCount{prize: {Pool: 3, Released: 3}}}))
		ctx := context.Background()
		_, err := l.Admit(ctx, admission(act, "u"))
		require.NoError(t, err)
		require.NoError(t, env.Client.Del(ctx, l.keys(act).released(prize)).Err())

		added, err := l.Release(ctx, act, prize, 10)
		require.NoError(t, err)
		assert.Zero(t, added)
		_, loaded, err := l.Counters(ctx, act)
		require.NoError(t, err)
		assert.False(t, loaded, "an unknown history is rebuilt from SQL, never guessed")
	})
}

func TestJournalStateAndLoaded(t *testing.T) {
	const act = 42
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		l := newTestLedger(t, env, newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 100}))
		ctx := context.Background()
		st, err := l.JournalState(ctx, act)
		require.NoError(t, err)
		assert.Zero(t, st.Pending)
		assert.True(t, st.LastAdmission.IsZero())
		assert.False(t, st.Now.IsZero())

		a := admission(act, "u")
		ad, err := l.Admit(ctx, a)
		require.NoError(t, err)
		st, err = l.JournalState(ctx, act)
		require.NoError(t, err)
		assert.Equal(t, int64(1), st.Pending)
		assert.False(t, st.LastAdmission.IsZero())
		assert.WithinDuration(t, st.Now, st.LastAdmission, 5e9)

		require.NoError(t, l.Settle(ctx, []draw.Settlement{{ActivityID: act, JournalID: ad.JournalID}}))
		after, err := l.JournalState(ctx, act)
		require.NoError(t, err)
		assert.Zero(t, after.Pending)
		assert.Equal(t, st.LastAdmission, after.LastAdmission, "the stream remembers its last admission")

		loaded, err := l.Loaded(ctx)
		require.NoError(t, err)
		assert.Equal(t, []int64{act}, loaded)
	})
}
