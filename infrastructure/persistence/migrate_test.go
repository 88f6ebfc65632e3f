package persistence_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestMigrationsCoverTheModel(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		st, err := env.DB.MigrationStatuses(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, st)
		for _, s := range st {
			assert.True(t, s.Applied, "migration %d applied", s.Version)
		}
		n, err := env.DB.MigrateUp(ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "a second up applies nothing")

		for _, table := range []string{
			"awards", "redeem_codes", "activities", "activity_transitions", "strategies",
			"prize_slots", "prize_releases", "orders", "takes", "outbox", "grants",
			"shipping_addresses", "rule_trees", "rule_tree_versions", "user_profiles",
			"blacklist", "points_ledger", "grant_retries", "ledger_identity", "ledger_members",
		} {
			var count int64
			require.NoError(t, env.DB.Gorm.Table(table).Count(&count).Error, table)
		}
	})
}

func TestIdempotencyKeyIsUniquePerUser(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		insert := func(id int64, user, key string) error {
			return env.DB.Gorm.Exec(`INSERT INTO orders (id, activity_id, strategy_id, user_id, day, outcome,
				idempotency_key, grant_state, mq_state, created_at, updated_at)
				VALUES (?, 1, 1, ?, '2026-11-22', 'lose', ?, 'none', 'none', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				id, user, key).Error
		}
		require.NoError(t, insert(1, "u1", "k"))
		require.NoError(t, insert(2, "u2", "k"), "another user may reuse a key")
		assert.Error(t, insert(3, "u1", "k"), "same user, same key: refused")
	})
}

// Processes started together on an empty MySQL database (a deployment's replicas) migrate
// it one after the other: each finds the schema whole, none fails on another's half.
// A database without the migrations is named behind, with what it lacks; once migrated it
// is not.
func TestCheckSchemaNamesWhatIsMissing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := persistence.OpenSQLite(ctx, filepath.Join(t.TempDir(), "fresh.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	err = db.CheckSchema(ctx)
	require.ErrorIs(t, err, persistence.ErrSchemaBehind)
	assert.ErrorContains(t, err, "lottery migrate up")
	_, err = db.MigrateUp(ctx)
	require.NoError(t, err)
	require.NoError(t, db.CheckSchema(ctx))
}

func TestConcurrentMigrationsTakeTurns(t *testing.T) {
	t.Parallel()
	server := os.Getenv("LOTTERY_TEST_MYSQL_DSN")
	if server == "" {
		t.Skip("LOTTERY_TEST_MYSQL_DSN not set: MySQL only (one process owns a SQLite file)")
	}
	dsn := testkit.MySQLDatabase(t, server)
	ctx := context.Background()
	const processes = 4
	errs := make([]error, processes)
	var wg sync.WaitGroup
	for i := range processes {
		db, err := persistence.OpenMySQL(ctx, dsn)
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		wg.Go(func() { _, errs[i] = db.MigrateUp(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "process %d", i)
	}
}
