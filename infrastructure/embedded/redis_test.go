package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
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
	c := redis.NewClient(&redis.Options{Addr: r.Addr(), Password: r.Password()})
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

// The servers of the default mode take only clients that know their secret: any process on
// the machine can reach their ports.
func TestEmbeddedServersWantTheirSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, err := StartRedis()
	require.NoError(t, err)
	defer r.Close()
	stranger := redis.NewClient(&redis.Options{Addr: r.Addr()})
	defer stranger.Close()
	assert.ErrorContains(t, stranger.Set(ctx, "k", "1", 0).Err(), "NOAUTH")
	wrong := redis.NewClient(&redis.Options{Addr: r.Addr(), Password: "guess"})
	defer wrong.Close()
	assert.Error(t, wrong.Ping(ctx).Err())
	assert.NotEqual(t, r.Password(), mustStartRedis(t).Password(), "each server has its own")

	n, err := StartNATS(t.TempDir())
	require.NoError(t, err)
	defer n.Close()
	_, err = nats.Connect(n.Address(), nats.Timeout(2*time.Second))
	assert.ErrorIs(t, err, nats.ErrAuthorization)
	assert.NotContains(t, n.Address(), "@")
	nc, err := nats.Connect(n.URL(), nats.Timeout(2*time.Second))
	require.NoError(t, err)
	nc.Close()
}

func mustStartRedis(t *testing.T) *Redis {
	r, err := StartRedis()
	require.NoError(t, err)
	t.Cleanup(r.Close)
	return r
}
