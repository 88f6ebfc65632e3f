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
