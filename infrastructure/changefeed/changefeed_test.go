package changefeed_test

import (
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/changefeed"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestEveryFollowerSeesAChangeWithinASecond(t *testing.T) {
	t.Parallel()
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		t.Parallel()
		log, ctx := slog.New(slog.DiscardHandler), t.Context() // ctx ends the followers with the test
		var seen [2]atomic.Int32
		for i := range seen {
			f := changefeed.New(env.Client, env.Prefix, 50*time.Millisecond, log)
			f.Follow(ctx, func() { seen[i].Add(1) })
		}
		require.NoError(t, changefeed.New(env.Client, env.Prefix, time.Second, log).Publish(ctx))
		require.Eventually(t, func() bool { return seen[0].Load() == 1 && seen[1].Load() == 1 },
			time.Second, 10*time.Millisecond)
	})
}

// A change whose notice never went out (its process died after saving it) still reaches
// every follower: caches are dropped at least once a backstop.
func TestFollowersDropTheirCachesAtLeastOnceABackstop(t *testing.T) {
	t.Parallel()
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		t.Parallel()
		log, ctx := slog.New(slog.DiscardHandler), t.Context()
		var quiet, backstopped atomic.Int32
		changefeed.New(env.Client, env.Prefix, 10*time.Millisecond, log).WithBackstop(0).
			Follow(ctx, func() { quiet.Add(1) })
		changefeed.New(env.Client, env.Prefix, 10*time.Millisecond, log).WithBackstop(50*time.Millisecond).
			Follow(ctx, func() { backstopped.Add(1) })
		require.Eventually(t, func() bool { return backstopped.Load() >= 3 }, 5*time.Second, 10*time.Millisecond)
		require.Zero(t, quiet.Load(), "nothing was published")
	})
}
