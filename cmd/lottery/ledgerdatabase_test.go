package main

import (
	"os"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

// A Redis prefix holds the counters of one database: a process on another (here its own
// SQLite file; a misspelt MySQL DSN leads there) is refused, while the processes of the
// first database come and go.
func TestARedisPrefixServesOneDatabase(t *testing.T) {
	t.Parallel()
	shared := miniredis.RunT(t)
	first := testkit.EmbeddedStack(t)
	first.Redis.Addr, first.Redis.Prefix = shared.Addr(), "shared:"
	other := testkit.EmbeddedStack(t)
	other.Redis.Addr, other.Redis.Prefix = shared.Addr(), "shared:"

	a, err := open(t, first)
	require.NoError(t, err)
	_, err = open(t, other)
	require.ErrorIs(t, err, persistence.ErrLedgerNotShared)
	assert.ErrorContains(t, err, `redis.prefix "shared:" in this Redis holds the counters of processes on another database`)

	a.Close()
	_, err = open(t, first)
	require.NoError(t, err, "the same database again")

	own := other
	own.Redis.Prefix = "own:"
	_, err = open(t, own)
	require.NoError(t, err, "another prefix")
}

// The same across real servers: a MySQL database's processes and a SQLite process do not
// share a prefix, whichever came first.
func TestARedisPrefixServesOneDatabaseOnRealServers(t *testing.T) {
	t.Parallel()
	cfg := realStack(t)
	_, err := open(t, cfg)
	require.NoError(t, err)
	sqlite := testkit.EmbeddedStack(t)
	sqlite.Redis.Addr, sqlite.Redis.Prefix = os.Getenv("LOTTERY_TEST_REDIS_ADDR"), cfg.Redis.Prefix
	_, err = open(t, sqlite)
	require.ErrorIs(t, err, persistence.ErrLedgerNotShared)
}
