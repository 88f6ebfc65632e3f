package redisstore

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/internal/testkit"
)

// A Redis that restarted with data (or a replica that took over) carries the previous
// server's id in the record: every loaded activity is rebuilt from SQL, because its
// counters may trail the orders, and its idempotency markers count as possibly lost. The
// in-process server refuses INFO server (serve does not watch it).
func TestServerChangeRebuildsLoadedActivities(t *testing.T) {
	t.Parallel()
	t.Run("embedded", func(t *testing.T) {
		t.Parallel()
		env := testkit.EmbeddedRedis(t)
		l := NewLedger(env.Client, newFakeTruth(), Options{Prefix: env.Prefix, RestartCheck: -1})
		t.Cleanup(func() { _ = l.Close() })
		_, err := l.CheckServer(context.Background())
		require.Error(t, err)
	})
	addr := os.Getenv("LOTTERY_TEST_REDIS_ADDR")
	if addr == "" {
		return
	}
	t.Run("real", func(t *testing.T) {
		t.Parallel()
		const act = 31
		env := testkit.RealRedis(t, addr)
		truth := newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 10})
		l := NewLedger(env.Client, truth, Options{Prefix: env.Prefix, ReloadGrace: 20 * time.Millisecond, RestartCheck: 20 * time.Millisecond})
		t.Cleanup(func() { _ = l.Close() })
		ctx := context.Background()
		_, err := l.Admit(ctx, admission(act, "u"))
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			n, err := env.Client.Exists(ctx, l.serverKey()).Result()
			return err == nil && n == 1
		}, 5*time.Second, 10*time.Millisecond, "the watch records the server")
		n, err := l.CheckServer(ctx)
		require.NoError(t, err)
		require.Zero(t, n, "the same server: nothing to rebuild")
		require.Equal(t, int64(1), env.Client.Exists(ctx, l.keys(act).epoch()).Val())

		// The data now comes from another server, as after a restore or a failover.
		require.NoError(t, env.Client.Set(ctx, l.serverKey(), "0123456789abcdef-old-server", 0).Err())
		require.Eventually(t, func() bool {
			return env.Client.Exists(ctx, l.keys(act).epoch()).Val() == 0
		}, 5*time.Second, 10*time.Millisecond, "the watch invalidates the loaded activity")
		_, err = l.Admit(ctx, admission(act, "v"))
		require.NoError(t, err)
		require.Equal(t, int64(2), truth.calls.Load(), "rebuilt from SQL")
		require.Equal(t, int64(1), env.Client.Exists(ctx, l.keys(act).rebuilt()).Val(), "markers may be lost")

		// No record (a Redis that restarted empty, or the first check of this version): it
		// is recorded, and nothing is rebuilt that the missing epochs do not rebuild.
		require.NoError(t, env.Client.Del(ctx, l.serverKey()).Err())
		n, err = l.CheckServer(ctx)
		require.NoError(t, err)
		require.Zero(t, n)
		require.Equal(t, int64(1), env.Client.Exists(ctx, l.serverKey()).Val(), "recorded")
	})
}
