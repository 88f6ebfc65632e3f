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

// Each process with a shared Redis holds a place on its database, named by the connection
// that holds it; the others list those names to look for them in their Redis.
func TestLedgerMembersAreListedByTheirConnections(t *testing.T) {
	t.Parallel()
	server, dbs := processesOn(t, 2)
	ctx := context.Background()
	first, err := dbs[0].HoldLedgerMember(ctx, noLost, noCheck)
	require.NoError(t, err)
	second, err := dbs[1].HoldLedgerMember(ctx, noLost, noCheck)
	require.NoError(t, err)
	require.NotZero(t, first.ID())
	require.NotEqual(t, first.ID(), second.ID())

	ids, err := dbs[1].LedgerMembers(ctx)
	require.NoError(t, err)
	assert.ElementsMatch(t, []int64{first.ID(), second.ID()}, ids)

	elsewhere, err := persistence.OpenMySQL(ctx, testkit.MySQLDatabase(t, server))
	require.NoError(t, err)
	t.Cleanup(func() { _ = elsewhere.Close() })
	ids, err = elsewhere.LedgerMembers(ctx)
	require.NoError(t, err)
	assert.Empty(t, ids, "another database's processes")

	gone := first.ID()
	first.Release()
	assert.Zero(t, first.ID(), "given up")
	ids, err = dbs[1].LedgerMembers(ctx)
	require.NoError(t, err)
	assert.Equal(t, []int64{second.ID()}, ids)
	assert.NotContains(t, ids, gone)
	second.Release()
}

func noCheck(int64) error { return nil }

// A process gone without closing its connection (its host lost with the network) holds
// its place until MySQL's wait_timeout: once its connection has been idle for longer than
// a running process ever leaves its own, it is no longer listed.
func TestAQuietMemberIsTakenForGone(t *testing.T) {
	t.Parallel()
	_, dbs := processesOn(t, 2)
	ctx := context.Background()
	quiet := dbs[0].TakeMemberSlotAndGoQuiet(t)
	ids, err := dbs[1].LedgerMembers(ctx)
	require.NoError(t, err)
	assert.Equal(t, []int64{quiet}, ids, "idle for less than a running process's check")

	dbs[1].SetMemberQuiet(time.Second)
	require.Eventually(t, func() bool {
		ids, err := dbs[1].LedgerMembers(ctx)
		return err == nil && len(ids) == 0
	}, 15*time.Second, 100*time.Millisecond, "a connection idle for longer than a second")
}

// A place lost with its connection is taken again on a new one, in any free slot: the old
// one may be held by then, or by the old connection for hours after a network cut.
func TestALostPlaceIsTakenAgainInAnyFreeSlot(t *testing.T) {
	t.Parallel()
	_, dbs := processesOn(t, 2)
	ctx := context.Background()
	first, err := dbs[0].HoldLedgerMember(ctx, noLost, noCheck)
	require.NoError(t, err)
	t.Cleanup(first.Release)
	old := first.ID()
	require.NoError(t, dbs[1].Gorm.Exec("KILL CONNECTION ?", old).Error)
	var second *persistence.LedgerMember
	require.Eventually(t, func() bool {
		second, err = dbs[1].HoldLedgerMember(ctx, noLost, noCheck)
		return err == nil && second.ID() != 0
	}, 10*time.Second, 50*time.Millisecond, "the killed connection's slot free again")
	t.Cleanup(second.Release)

	require.Eventually(t, func() bool {
		id := first.ID()
		return id != old && id != 0
	}, 20*time.Second, 100*time.Millisecond, "taken again on a new connection")
	ids, err := dbs[1].LedgerMembers(ctx)
	require.NoError(t, err)
	assert.ElementsMatch(t, []int64{first.ID(), second.ID()}, ids)
}

// Each database has a name of its own, made once.
func TestEachDatabaseHasAName(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		name, err := env.DB.LedgerIdentity(ctx)
		require.NoError(t, err)
		assert.Len(t, name, 32)
		again, err := env.DB.LedgerIdentity(ctx)
		require.NoError(t, err)
		assert.Equal(t, name, again)
		other := testkit.SQLite(t).DB
		if env.Name == "mysql" {
			other = testkit.MySQL(t, os.Getenv("LOTTERY_TEST_MYSQL_DSN")).DB
		}
		otherName, err := other.LedgerIdentity(ctx)
		require.NoError(t, err)
		assert.NotEqual(t, name, otherName, "another database")
	})
}
