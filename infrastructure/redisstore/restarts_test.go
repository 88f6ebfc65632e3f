package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
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
	// A private server: the check loads a script for the prefix, which a shared server
	// would keep.
	t.Run("real", func(t *testing.T) {
		t.Parallel()
		const act = 31
		srv := testkit.PrivateRedis(t)
		env := testkit.RedisEnv{Name: "real", Client: redis.NewClient(srv.Options()), Prefix: "t:"}
		t.Cleanup(func() { _ = env.Client.Close() })
		truth := newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 10})
		ctx := context.Background()
		// Recorded beforehand, as by an earlier process: without a record, the watch
		// would rebuild whatever it found loaded, racing the first admission's load.
		runID := infoField(env.Client.Info(ctx, "server").Val(), "run_id")
		require.NoError(t, env.Client.Set(ctx, env.Prefix+"server", runID, 0).Err())
		l := NewLedger(env.Client, truth, Options{Prefix: env.Prefix, ReloadGrace: 20 * time.Millisecond, RestartCheck: 20 * time.Millisecond})
		t.Cleanup(func() { _ = l.Close() })
		require.Equal(t, env.Prefix+"server", l.serverKey())
		_, err := l.Admit(ctx, admission(act, "u"))
		require.NoError(t, err)
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

		// No record beside loaded activities (data restored from a backup older than the
		// first record, or the first check of this version): they are rebuilt too.
		require.Equal(t, int64(1), env.Client.Exists(ctx, l.keys(act).epoch()).Val())
		require.NoError(t, env.Client.Del(ctx, l.serverKey()).Err())
		require.Eventually(t, func() bool {
			return env.Client.Exists(ctx, l.keys(act).epoch()).Val() == 0 &&
				env.Client.Exists(ctx, l.serverKey()).Val() == 1
		}, 5*time.Second, 10*time.Millisecond, "invalidated, then recorded")
	})
}

// A new deployment (no record yet) is checked as the ledger starts, before anything is
// loaded: its first draws do not take the counters they just loaded for a restore's and
// wait out their rebuild.
func TestANewDeploymentRebuildsNothing(t *testing.T) {
	t.Parallel()
	const act = 32
	srv := testkit.PrivateRedis(t)
	client := redis.NewClient(srv.Options())
	t.Cleanup(func() { _ = client.Close() })
	truth := newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 10})
	l := NewLedger(client, truth, Options{Prefix: "new:", ReloadGrace: 20 * time.Millisecond, RestartCheck: time.Hour})
	t.Cleanup(func() { _ = l.Close() })
	ctx := context.Background()
	require.NoError(t, l.Prepare(ctx, act, day1), "loaded as the activity starts, before the watch's first tick")
	n, err := l.CheckServer(ctx) // the watch's first tick
	require.NoError(t, err)
	require.Zero(t, n, "nothing taken for restored data")
	_, err = l.Admit(ctx, admission(act, "u"))
	require.NoError(t, err)
	require.Equal(t, int64(1), truth.calls.Load(), "loaded once, not rebuilt")
	require.Zero(t, client.Exists(ctx, l.keys(act).rebuilt()).Val(), "no markers taken for lost")
}

// A Redis that comes back from an older snapshot has lost its scripts too. The first
// admission on it finds NOSCRIPT, and the ledger checks the server before the script goes
// back in: not one admission runs on the older counters, though the watch is an hour
// from its next tick. Each deployment (key prefix) and a process with the check off load
// scripts of their own, so neither passes for this deployment's check.
func TestRestartFromASnapshotIsCheckedBeforeTheNextAdmission(t *testing.T) {
	t.Parallel()
	srv := testkit.PrivateRedis(t)
	client := redis.NewClient(srv.Options())
	t.Cleanup(func() { _ = client.Close() })
	const act = 32
	ledger := func(prefix string, truth draw.Truth, check time.Duration) *Ledger {
		l := NewLedger(client, truth, Options{Prefix: prefix, ReloadGrace: 20 * time.Millisecond, RestartCheck: check})
		t.Cleanup(func() { _ = l.Close() })
		return l
	}
	truth := newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 10})
	l := ledger("t:", truth, time.Hour)
	ctx := context.Background()
	admit := func(l *Ledger, user string) error {
		_, err := l.Admit(ctx, admission(act, user))
		return err
	}
	stock := func() string { return client.Get(ctx, l.keys(act).stock()).Val() }
	loaded := func(l *Ledger) bool {
		got, err := client.ScriptExists(ctx, l.admitHash.(string)).Result()
		require.NoError(t, err)
		return got[0]
	}

	require.NoError(t, admit(l, "a"))
	require.Equal(t, int64(1), client.Exists(ctx, l.serverKey()).Val(), "the first script load recorded the server")
	srv.Save() // 9 left
	require.NoError(t, admit(l, "b"))
	require.NoError(t, admit(l, "c"))
	truth.set(draw.Snapshot{ActivityID: act, StockLeft: 7}) // SQL holds the three orders

	srv.Restart()
	require.Equal(t, "9", stock(), "the snapshot's counter trails SQL")
	other := ledger("o:", newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 10}), time.Hour)
	require.NoError(t, admit(other, "x"))
	unchecked := ledger("t:", newFakeTruth(), -1)
	_, err := unchecked.Admit(ctx, admission(act+1, "y")) // another activity: sold out
	require.ErrorIs(t, err, draw.ErrSoldOut)
	require.True(t, loaded(other), "other")
	require.True(t, loaded(unchecked), "unchecked")
	require.False(t, loaded(l), "their scripts are not this deployment's")

	require.NoError(t, admit(l, "d"))
	require.Equal(t, int64(2), truth.calls.Load(), "rebuilt from SQL before admitting")
	require.Equal(t, "6", stock())
	require.Equal(t, int64(1), client.Exists(ctx, l.keys(act).rebuilt()).Val(), "markers may be lost")

	// The same server losing only its scripts (SCRIPT FLUSH) is checked and found itself.
	require.NoError(t, client.ScriptFlush(ctx).Err())
	require.NoError(t, admit(l, "e"))
	require.Equal(t, int64(2), truth.calls.Load(), "nothing rebuilt")
	require.Equal(t, "5", stock())
}

// A server that lost its scripts and cannot be checked admits nothing: the draws fail as
// unavailable, naming the setting for a server without INFO, and the script stays out, so
// no other process takes it for checked. The in-process server refuses INFO server.
func TestUncheckableServerAdmitsNothing(t *testing.T) {
	t.Parallel()
	env := testkit.EmbeddedRedis(t)
	l := NewLedger(env.Client, newFakeTruth(draw.Snapshot{ActivityID: 33, StockLeft: 10}),
		Options{Prefix: env.Prefix, ReloadGrace: 20 * time.Millisecond, RestartCheck: time.Hour})
	t.Cleanup(func() { _ = l.Close() })
	ctx := context.Background()
	_, err := l.Admit(ctx, admission(33, "u"))
	require.ErrorIs(t, err, draw.ErrUnavailable)
	require.ErrorContains(t, err, "redis.restart_check")
	loaded, err := env.Client.ScriptExists(ctx, l.admitHash.(string)).Result()
	require.NoError(t, err)
	require.Equal(t, []bool{false}, loaded)
}

// The check concerns one node: a cluster or ring client with it on is a wiring mistake.
func TestServerCheckWantsOneNode(t *testing.T) {
	t.Parallel()
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	t.Cleanup(func() { _ = cluster.Close() })
	require.Panics(t, func() { NewLedger(cluster, newFakeTruth(), Options{Prefix: "t:"}) })
	l := NewLedger(cluster, newFakeTruth(), Options{Prefix: "t:", RestartCheck: -1})
	require.NoError(t, l.Close())
}
