package changefeed_test

import (
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/changefeed"
	"github.com/lottery-go/lottery/internal/testkit"
)

// heard records what a follower was told.
type heard struct {
	mu   sync.Mutex
	keys []string
	all  int
}

func (h *heard) key(k string) { h.mu.Lock(); h.keys = append(h.keys, k); h.mu.Unlock() }
func (h *heard) every()       { h.mu.Lock(); h.all++; h.mu.Unlock() }
func (h *heard) get() ([]string, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.keys), h.all
}

// awaitAll waits until the follower has heard "everything" n times.
func (h *heard) awaitAll(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool { _, all := h.get(); return all == n }, 5*time.Second, 10*time.Millisecond)
}

// awaitKey waits until the follower has heard k.
func (h *heard) awaitKey(t *testing.T, k string, msgAndArgs ...any) {
	t.Helper()
	require.Eventually(t, func() bool { keys, _ := h.get(); return slices.Contains(keys, k) }, 5*time.Second, 10*time.Millisecond, msgAndArgs...)
}

// Followers hear each key published after they started, in order, and only those; a
// bulk change, a gap and a feed Redis lost are heard as "everything".
func TestKeyFeed(t *testing.T) {
	t.Parallel()
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		t.Parallel()
		log, ctx := slog.New(slog.DiscardHandler), t.Context() // ctx ends the followers with the test
		writer := changefeed.NewKeys(env.Client, env.Prefix, "profiles", time.Second, log)
		require.NoError(t, writer.Publish(ctx, "before"))
		var hs [2]heard
		for i := range hs {
			changefeed.NewKeys(env.Client, env.Prefix, "profiles", 20*time.Millisecond, log).Follow(ctx, hs[i].key, hs[i].every)
		}
		for _, k := range []string{"u1", "u2", "u1"} {
			require.NoError(t, writer.Publish(ctx, k))
		}
		for i := range hs {
			require.Eventually(t, func() bool { keys, _ := hs[i].get(); return len(keys) == 3 }, 5*time.Second, 10*time.Millisecond)
			keys, all := hs[i].get()
			assert.Equal(t, []string{"u1", "u2", "u1"}, keys, "follower %d", i)
			assert.Zero(t, all)
		}

		require.NoError(t, writer.PublishAll(ctx))
		hs[0].awaitAll(t, 1)

		// Changes missing from the log (trimmed, or never written): everything.
		require.NoError(t, env.Client.IncrBy(ctx, env.Prefix+"{profiles}:seq", 5).Err())
		require.NoError(t, writer.Publish(ctx, "u3"))
		hs[0].awaitAll(t, 2)
		require.NoError(t, writer.Publish(ctx, "u3b"))
		hs[0].awaitKey(t, "u3b", "back on track after the gap")

		// Redis lost the feed: everything, then single keys again.
		require.NoError(t, env.Client.Del(ctx, env.Prefix+"{profiles}:seq", env.Prefix+"{profiles}:log").Err())
		require.NoError(t, writer.Publish(ctx, "u4"))
		hs[0].awaitAll(t, 3)
		require.NoError(t, writer.Publish(ctx, "u5"))
		hs[0].awaitKey(t, "u5")
	})
}

// A failover to a replica two changes behind, then two changes: the sequence is back at
// the follower's number, but the changes are others, so everything is dropped.
func TestKeyFeedAfterAFailoverToALaggingReplica(t *testing.T) {
	t.Parallel()
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		t.Parallel()
		log, ctx := slog.New(slog.DiscardHandler), t.Context() // ctx ends the followers with the test
		w := changefeed.NewKeys(env.Client, env.Prefix, "profiles", time.Second, log)
		for _, k := range []string{"a", "b", "c", "d"} {
			require.NoError(t, w.Publish(ctx, k))
		}
		var h heard
		changefeed.NewKeys(env.Client, env.Prefix, "profiles", 20*time.Millisecond, log).Follow(ctx, h.key, h.every)
		seq, logKey := env.Prefix+"{profiles}:seq", env.Prefix+"{profiles}:log"
		entries, err := env.Client.XRange(ctx, logKey, "-", "+").Result()
		require.NoError(t, err)
		require.NoError(t, env.Client.XDel(ctx, logKey, entries[2].ID, entries[3].ID).Err())
		require.NoError(t, env.Client.Set(ctx, seq, 2, 0).Err())
		require.NoError(t, w.Publish(ctx, "changed-1"))
		require.NoError(t, w.Publish(ctx, "changed-2"))
		h.awaitAll(t, 1)
	})
}
