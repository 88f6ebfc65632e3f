package persistence_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/persistence"
)

// The embedded database holds every user's orders and redeem codes: its folder, file and
// journal are the process user's alone.
func TestTheSQLiteFileIsPrivate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "lottery.db")
	db, err := persistence.OpenSQLite(ctx, path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.MigrateUp(ctx)
	require.NoError(t, err)
	for _, p := range []string{dir, path, path + "-wal"} {
		st, err := os.Stat(p)
		require.NoError(t, err)
		assert.Zero(t, st.Mode().Perm()&0o077, "%s is %v", p, st.Mode().Perm())
	}
}

// A database a newer binary has migrated still serves this one, and says so.
func TestASchemaNewerThanTheBinaryIsNamed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := persistence.OpenSQLite(ctx, filepath.Join(t.TempDir(), "ahead.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.MigrateUp(ctx)
	require.NoError(t, err)
	v, err := db.SchemaAhead(ctx)
	require.NoError(t, err)
	assert.Zero(t, v, "migrated by this binary")

	_, err = db.SQL.ExecContext(ctx, "INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, 1)")
	require.NoError(t, err)
	v, err = db.SchemaAhead(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(99999), v)
	require.NoError(t, db.CheckSchema(ctx), "served all the same")
}
