package persistence_test

import (
	"context"
	"os"
	"testing"
	"time"

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
	server, dbs := processesOn(t, 2)
	first, second := dbs[0], dbs[1]
	ctx := context.Background()

	require.NoError(t, second.CheckNoPrivateLedger(ctx), "nobody holds it yet")
	release, err := first.HoldPrivateLedger(ctx, noLost)
	require.NoError(t, err)
	_, err = second.HoldPrivateLedger(ctx, noLost)
	assert.ErrorIs(t, err, persistence.ErrLedgerNotShared, "a second in-process Redis")
	assert.ErrorIs(t, second.CheckNoPrivateLedger(ctx), persistence.ErrLedgerNotShared, "a shared Redis beside it")

	other := testkit.MySQLDatabase(t, server)
	elsewhere, err := persistence.OpenMySQL(ctx, other)
	require.NoError(t, err)
	t.Cleanup(func() { _ = elsewhere.Close() })
	again, err := elsewhere.HoldPrivateLedger(ctx, noLost)
	require.NoError(t, err, "another database is another matter")
	again()

	release()
	again, err = second.HoldPrivateLedger(ctx, noLost)
	require.NoError(t, err, "free once the first process is gone")
	again()
}

func noLost(err error) {}

// processesOn opens n pools on one new, migrated MySQL database, as n processes would; it
// skips without MySQL. server is the server's DSN, for another database.
func processesOn(t *testing.T, n int) (server string, dbs []*persistence.DB) {
	t.Helper()
	server = os.Getenv("LOTTERY_TEST_MYSQL_DSN")
	if server == "" {
		t.Skip("LOTTERY_TEST_MYSQL_DSN not set: MySQL only (one process owns a SQLite file)")
	}
	dsn := testkit.MySQLDatabase(t, server)
	for range n {
		db, err := persistence.OpenMySQL(context.Background(), dsn)
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		dbs = append(dbs, db)
	}
	_, err := dbs[0].MigrateUp(context.Background())
	require.NoError(t, err)
	return server, dbs
}

// Whichever starts first, a process with a shared Redis and one with an in-process Redis
// are not let on one database together.
func TestSharedAndPrivateLedgersExcludeEachOther(t *testing.T) {
	t.Parallel()
	_, dbs := processesOn(t, 3)
	a, b, c := dbs[0], dbs[1], dbs[2]
	ctx := context.Background()

	shared1, err := a.HoldSharedLedger(ctx, noLost)
	require.NoError(t, err)
	shared2, err := b.HoldSharedLedger(ctx, noLost)
	require.NoError(t, err, "two processes with the shared Redis")
	_, err = c.HoldPrivateLedger(ctx, noLost)
	assert.ErrorIs(t, err, persistence.ErrLedgerNotShared, "an in-process Redis started after them")
	shared1()
	_, err = c.HoldPrivateLedger(ctx, noLost)
	assert.ErrorIs(t, err, persistence.ErrLedgerNotShared, "one of them still runs")
	shared2()

	private, err := c.HoldPrivateLedger(ctx, noLost)
	require.NoError(t, err, "alone now")
	_, err = a.HoldSharedLedger(ctx, noLost)
	assert.ErrorIs(t, err, persistence.ErrLedgerNotShared, "a shared Redis started after it")
	private()
	again, err := a.HoldSharedLedger(ctx, noLost)
	require.NoError(t, err)
	again()
}

// A lock whose connection the server closed (idle past wait_timeout, a KILL) is taken
// again on a new connection; one another process took meanwhile is reported lost.
func TestLedgerLockLostWithItsConnectionIsTakenAgain(t *testing.T) {
	t.Parallel()
	_, dbs := processesOn(t, 2)
	db, other := dbs[0], dbs[1]
	ctx := context.Background()
	// KILL returns before the connection is gone and its locks with it: wait for that.
	kill := func(id int64) {
		require.NoError(t, other.Gorm.Exec("KILL CONNECTION ?", id).Error)
		require.Eventually(t, func() bool {
			var n int64
			return other.Gorm.Raw("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?", id).Scan(&n).Error == nil && n == 0
		}, 10*time.Second, 5*time.Millisecond, "connection %d gone", id)
	}

	release, err := db.KeepPrivateLedgerAfter(ctx, kill)
	require.NoError(t, err, "taken again")
	_, err = other.HoldPrivateLedger(ctx, noLost)
	assert.ErrorIs(t, err, persistence.ErrLedgerNotShared, "held again, on the new connection")
	release()

	var theirs func()
	release, err = db.KeepPrivateLedgerAfter(ctx, func(id int64) {
		kill(id)
		theirs, err = other.HoldPrivateLedger(ctx, noLost)
		require.NoError(t, err)
	})
	assert.ErrorContains(t, err, "of another process holds it")
	release()
	theirs()
}

// A look at a lock cut short because the process stops is no loss: nothing is reported
// and nothing taken again, the lock being given up next.
func TestALockLookCutShortByStoppingIsNoLoss(t *testing.T) {
	t.Parallel()
	_, dbs := processesOn(t, 1)
	retook, lost, err := dbs[0].KeepPrivateLedgerStopping(context.Background())
	require.NoError(t, err)
	assert.False(t, retook)
	assert.NoError(t, lost)
}
