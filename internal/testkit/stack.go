package testkit

import (
	"os"
	"testing"

	"github.com/lottery-go/lottery/infrastructure/config"
)

// EachStack runs fn with a whole-server configuration per backend set: "embedded" (SQLite,
// in-process Redis and NATS: the default mode) always, and "real" (a fresh MariaDB database,
// a Redis key prefix and NATS stream prefix of its own) when every LOTTERY_TEST_* is set.
func EachStack(t *testing.T, fn func(t *testing.T, cfg config.Config)) {
	t.Helper()
	t.Run("embedded", func(t *testing.T) { fn(t, EmbeddedStack(t)) })
	dsn, rds, nats := os.Getenv("LOTTERY_TEST_MYSQL_DSN"), os.Getenv("LOTTERY_TEST_REDIS_ADDR"), os.Getenv("LOTTERY_TEST_NATS_URL")
	if dsn != "" && rds != "" && nats != "" {
		t.Run("real", func(t *testing.T) { fn(t, RealStack(t, dsn, rds, nats)) })
	}
}

// EmbeddedStack is the default configuration with its data dir in the test's temp dir.
func EmbeddedStack(t testing.TB) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.Auth.Secret = "test-secret-0123456789abcdef"
	cfg.Log.Level = "warn"
	return cfg
}

// RealStack points every part at the machine's servers, isolated for this test.
func RealStack(t testing.TB, mysqlDSN, redisAddr, natsURL string) config.Config {
	t.Helper()
	cfg := EmbeddedStack(t)
	cfg.MySQLDSN = MySQLDatabase(t, mysqlDSN)
	redisEnv := RealRedis(t, redisAddr) // registers cleanup of the prefix
	cfg.Redis.Addr, cfg.Redis.Prefix = redisAddr, redisEnv.Prefix
	// Off on the shared server: with it on, each test's prefix would leave a script of its
	// own in the server's script cache, which nothing removes but a flush of every
	// script. The check has tests of its own against private servers.
	cfg.Redis.RestartCheck = -1
	natsEnv := RealNATS(t, natsURL) // registers cleanup of streams with the prefix
	cfg.NATS.URL, cfg.NATS.Prefix = natsURL, natsEnv.Prefix
	return cfg
}
