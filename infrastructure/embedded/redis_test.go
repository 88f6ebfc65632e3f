package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRedisExpiresKeys: a key set with a TTL is gone once it has run out, as on a Redis
// server, and one without stays.
func TestRedisExpiresKeys(t *testing.T) {
	t.Parallel()
	r, err := StartRedis()
	require.NoError(t, err)
	defer r.Close()
	c := redis.NewClient(&redis.Options{Addr: r.Addr()})
	defer c.Close()
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "short", "1", time.Second).Err())
	require.NoError(t, c.Set(ctx, "kept", "1", 0).Err())
	require.NoError(t, c.HSet(ctx, "day", "u1", 1).Err())
	require.NoError(t, c.Expire(ctx, "day", 1500*time.Millisecond).Err())

	assert.Eventually(t, func() bool { return c.Exists(ctx, "short", "day").Val() == 0 },
		10*time.Second, 50*time.Millisecond, "the keys whose TTL ran out")
	assert.Equal(t, int64(1), c.Exists(ctx, "kept").Val())
}
