package persistence_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

// Two processes on one MySQL database with a Redis each would each count the stock and
// the users' draws apart: the second is refused, whichever Redis it has, until the first
// goes.
func TestOneDatabaseOnePrivateLedger(t *testing.T) {
	t.Parallel()
	server := os.Getenv("LOTTERY_TEST_MYSQL_DSN")
	if server == "" {
		t.Skip("LOTTERY_TEST_MYSQL_DSN not set: MySQL only (one process owns a SQLite file)")
	}
	ctx := context.Background()
	dsn := testkit.MySQLDatabase(t, server)
	first, err := persistence.OpenMySQL(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = first.Close() })
	second, err := persistence.OpenMySQL(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = second.Close() })

	require.NoError(t, second.CheckNoPrivateLedger(ctx), "nobody holds it yet")
	release, err := first.HoldPrivateLedger(ctx)
	require.NoError(t, err)
	_, err = second.HoldPrivateLedger(ctx)
	assert.ErrorIs(t, err, persistence.ErrLedgerNotShared, "a second in-process Redis")
	assert.ErrorIs(t, second.CheckNoPrivateLedger(ctx), persistence.ErrLedgerNotShared, "a shared Redis beside it")

	other := testkit.MySQLDatabase(t, server)
	elsewhere, err := persistence.OpenMySQL(ctx, other)
	require.NoError(t, err)
	t.Cleanup(func() { _ = elsewhere.Close() })
	again, err := elsewhere.HoldPrivateLedger(ctx)
	require.NoError(t, err, "another database is another matter")
	again()

	release()
	again, err = second.HoldPrivateLedger(ctx)
	require.NoError(t, err, "free once the first process is gone")
	again()
}
