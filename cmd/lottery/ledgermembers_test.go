package main

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

// Not parallel: it shortens the package's announcement timings while it runs, which
// parallel tests, run after every sequential one, never see.
func shortMemberTimings(t *testing.T) {
	every, ttl, wait := announceEvery, memberTTL, memberWait
	announceEvery, memberTTL, memberWait = 100*time.Millisecond, 2*time.Second, time.Second
	t.Cleanup(func() { announceEvery, memberTTL, memberWait = every, ttl, wait })
}

func realStack(t *testing.T) config.Config {
	dsn, rds, nats := os.Getenv("LOTTERY_TEST_MYSQL_DSN"), os.Getenv("LOTTERY_TEST_REDIS_ADDR"), os.Getenv("LOTTERY_TEST_NATS_URL")
	if dsn == "" || rds == "" || nats == "" {
		t.Skip("runs with the real servers (LOTTERY_TEST_*)")
	}
	cfg := testkit.RealStack(t, dsn, rds, nats)
	cfg.Roles = []string{config.RoleAPI}
	return cfg
}

func open(t *testing.T, cfg config.Config) (*system, error) {
	sys, err := openSystem(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err == nil {
		t.Cleanup(sys.Close)
	}
	return sys, err
}

// Processes of one database must keep their counters in one Redis under one prefix, or
// each would let users draw up to their limits and sell the stock again. A process is
// refused when the others on its database have not announced themselves in its Redis,
// whatever address it reaches that Redis by.
func TestProcessesOfOneDatabaseShareTheirRedis(t *testing.T) {
	shortMemberTimings(t)
	cfg := realStack(t)
	_, err := open(t, cfg)
	require.NoError(t, err)
	second, err := open(t, cfg)
	require.NoError(t, err, "the same Redis and prefix")
	second.Close()

	prefix := cfg
	prefix.Redis.Prefix += "other:"
	_, err = open(t, prefix)
	require.ErrorIs(t, err, persistence.ErrLedgerNotShared, "another prefix")
	assert.ErrorContains(t, err, "redis.prefix")

	db := cfg
	db.Redis.DB = 1
	_, err = open(t, db)
	require.ErrorIs(t, err, persistence.ErrLedgerNotShared, "another database number")

	server := cfg
	server.Redis.Addr = testkit.PrivateRedis(t).Options().Addr
	_, err = open(t, server)
	require.ErrorIs(t, err, persistence.ErrLedgerNotShared, "another server, reached by its Unix socket")
}

// A Redis that lost its data (restarted without persistence) hears from the processes
// already running within their next announcement: one starting meanwhile waits for them
// instead of being refused.
func TestAProcessStartingAfterRedisLostItsDataWaitsForTheOthers(t *testing.T) {
	shortMemberTimings(t)
	cfg := realStack(t)
	private := testkit.PrivateRedis(t)
	cfg.Redis.Addr = private.Options().Addr
	first, err := open(t, cfg)
	require.NoError(t, err, "a Redis reached by its Unix socket")
	require.NoError(t, first.redis.Ping(context.Background()).Err())

	private.Restart()
	second, err := open(t, cfg)
	require.NoError(t, err, "the first announced itself again")

	first.Close()
	second.Close()
	cfg.Redis.Prefix += "other:"
	_, err = open(t, cfg)
	require.NoError(t, err, "the others gave their places up when they stopped")
}

// A process that keeps being restarted with another Redis is refused every time, and
// never has a process with the right Redis refused: each attempt of its own started after
// the right one began to look, or ends before the right one's wait does.
func TestAProcessRestartedWithAnotherRedisDoesNotBlockTheOthers(t *testing.T) {
	shortMemberTimings(t)
	cfg := realStack(t)
	_, err := open(t, cfg)
	require.NoError(t, err)

	wrong := cfg
	wrong.Redis.Prefix += "wrong:"
	stop, refused := make(chan struct{}), make(chan int, 1)
	go func() {
		n := 0
		defer func() { refused <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			sys, err := openSystem(context.Background(), wrong, slog.New(slog.DiscardHandler))
			if err == nil {
				sys.Close()
				return
			}
			n++
		}
	}()
	for range 3 {
		_, err = open(t, cfg)
		require.NoError(t, err, "a process with the right Redis")
	}
	close(stop)
	assert.Positive(t, <-refused, "the wrong one was refused")
}
