package persistence_test

import (
	"context"
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
	quiet, err := dbs[0].TakeMemberSlotAndGoQuiet(ctx)
	require.NoError(t, err)
	ids, err := dbs[1].LedgerMembers(ctx)
	require.NoError(t, err)
	assert.Equal(t, []int64{quiet}, ids, "idle for less than a running process's check")

	dbs[1].SetMemberQuiet(time.Second)
	require.Eventually(t, func() bool {
		ids, err := dbs[1].LedgerMembers(ctx)
		return err == nil && len(ids) == 0
	}, 15*time.Second, 100*time.Millisecond, "a connection idle for longer than a second")
}
