package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestWarmLoadsOnceAndAdmissionsNeedNoLoad(t *testing.T) {
	t.Parallel()
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		t.Parallel()
		truth := newFakeTruth(draw.Snapshot{ActivityID: 7, StockLeft: 10})
		l := newTestLedger(t, env, truth)
		ctx := context.Background()
		require.NoError(t, l.Warm(ctx, 7, day1))
		require.EqualValues(t, 1, truth.calls.Load())
		require.NoError(t, l.Warm(ctx, 7, day1), "already loaded: nothing to do")
		_, err := l.Admit(ctx, admission(7, "warm-user"))
		require.NoError(t, err)
		require.EqualValues(t, 1, truth.calls.Load(), "the admission found the counters loaded")
	})
}

func TestPrepareSkipsTheReloadGrace(t *testing.T) {
	t.Parallel()
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		t.Parallel()
		truth := newFakeTruth(draw.Snapshot{ActivityID: 8, StockLeft: 10})
		// A grace far longer than the deadline: only a load without it can finish in time.
		l := NewLedger(env.Client, truth, Options{Prefix: env.Prefix, ReloadGrace: time.Hour, RestartCheck: -1})
		t.Cleanup(func() { _ = l.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		require.NoError(t, l.Prepare(ctx, 8, day1))
		require.NoError(t, l.Prepare(ctx, 8, day1), "already loaded: nothing to do")
		require.EqualValues(t, 1, truth.calls.Load())
		_, err := l.Admit(ctx, admission(8, "first-user"))
		require.NoError(t, err, "the first draw found its counters")
	})
}
