package bench

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/internal/testkit"
)

func TestDBReadsSayWhenTheIndexesOutgrowTheBufferPool(t *testing.T) {
	var quiet, reading bytes.Buffer
	(&DBReads{Misses: 0, PerDraw: 0, BufferPoolMB: 128}).print(&quiet)
	(&DBReads{Misses: 90_000, PerDraw: 1.2, BufferPoolMB: 128}).print(&reading)

	assert.Equal(t, "database  0 buffer-pool misses while drawing (0.00 per draw, server-wide), buffer pool 128 MiB\n", quiet.String())
	assert.Contains(t, reading.String(), "90000 buffer-pool misses while drawing (1.20 per draw")
	assert.Contains(t, reading.String(), "outgrow innodb_buffer_pool_size")
}

func TestDBCountersComeFromMySQLOnly(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		s := NewStore(env.DB.SQL, env.Name)
		misses, poolMB, ok := s.dbCounters(context.Background())
		if env.Name != "mysql" {
			assert.False(t, ok, "SQLite has no buffer pool")
			assert.Nil(t, s.dbReadsSince(context.Background(), 0, 10))
			return
		}
		require.True(t, ok)
		assert.Positive(t, poolMB)
		r := s.dbReadsSince(context.Background(), misses, 10)
		require.NotNil(t, r)
		assert.GreaterOrEqual(t, r.Misses, int64(0))
		assert.Equal(t, poolMB, r.BufferPoolMB)
	})
}
