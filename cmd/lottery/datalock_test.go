package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/internal/bench"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestDataDirIsLockedByOneProcess(t *testing.T) {
	skipWithoutLocks(t)
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	first, err := lockDataDir(dir)
	require.NoError(t, err)

	_, err = lockDataDir(dir)
	require.Error(t, err, "a second hold on the same directory")
	assert.Contains(t, err.Error(), fmt.Sprintf("data directory %s is in use by another lottery process (pid %d)", dir, os.Getpid()))
	assert.Contains(t, err.Error(), "LOTTERY_DATA_DIR")

	first.Release()
	again, err := lockDataDir(dir)
	require.NoError(t, err, "released on close")
	again.Release()
}

func TestNeedsDataLock(t *testing.T) {
	t.Parallel()
	embedded := config.Default()
	external := embedded
	external.MySQLDSN, external.Redis.Addr, external.NATS.URL = "u@tcp(db)/x", "redis:6379", "nats://nats:4222"
	sqliteShared := external
	sqliteShared.MySQLDSN = "" // SQLite with shared Redis and NATS: several processes are fine
	privateRedis := sqliteShared
	privateRedis.Redis.Addr = ""
	privateNATS := external
	privateNATS.NATS.URL = ""

	assert.True(t, needsDataLock(embedded))
	assert.False(t, needsDataLock(external))
	assert.False(t, needsDataLock(sqliteShared))
	assert.True(t, needsDataLock(privateRedis), "a private Redis over the shared SQLite file oversells")
	assert.True(t, needsDataLock(privateNATS), "the NATS store is in the data directory")
	mysqlPrivateRedis := external
	mysqlPrivateRedis.Redis.Addr = ""
	assert.True(t, needsDataLock(mysqlPrivateRedis), "a private Redis over a shared MySQL oversells too")
}

// TestSecondEmbeddedServerOnOneDataDirIsRefused is the oversell a reviewer saw: two
// `lottery serve` on one data directory, each with its own in-process Redis.
func TestSecondEmbeddedServerOnOneDataDirIsRefused(t *testing.T) {
	skipWithoutLocks(t)
	t.Parallel()
	cfg := testkit.EmbeddedStack(t)
	first := startServer(t, cfg, nil)
	code, _ := getJSON(t, first.base+"/healthz")
	require.Equal(t, 200, code, "the first server serves")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), serveHooks{listener: ln})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "data directory "+cfg.DataDir+" is in use by another lottery process")

	// The checks only read: they work while the server holds the directory.
	store, err := bench.OpenStore(ctx, "", filepath.Join(cfg.DataDir, "lottery.db"))
	require.NoError(t, err)
	require.NoError(t, store.Close())
}

func TestServeOnATakenPortFailsBeforeOpeningAnything(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	cfg := testkit.EmbeddedStack(t)
	cfg.HTTP.Addr = taken.Addr().String()
	cfg.DataDir = filepath.Join(cfg.DataDir, "never-made")

	err = serve(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), serveHooks{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "address already in use")
	assert.NoDirExists(t, cfg.DataDir, "no store was opened")
}

func TestEmbeddedRolesWarning(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	assert.Empty(t, embeddedRolesWarning(cfg), "all roles")

	cfg.Roles = []string{config.RoleAPI}
	assert.Equal(t, "roles leave out granter and scheduler, but no other process can reach this process's in-process Redis and NATS: "+
		"wins will not be granted and scheduled jobs will not run; run every role in this process, or point redis.addr and nats.url at shared servers",
		embeddedRolesWarning(cfg))

	cfg.NATS.URL = "nats://shared:4222"
	assert.Contains(t, embeddedRolesWarning(cfg), "roles leave out scheduler, but no other process can reach this process's in-process Redis: scheduled jobs will not run")

	cfg.Redis.Addr = "shared:6379"
	assert.Empty(t, embeddedRolesWarning(cfg), "another process can do it")
}

// skipWithoutLocks skips where the data directory lock is not implemented (Windows).
func skipWithoutLocks(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the data directory lock uses flock, which this system lacks")
	}
}
