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

// A node is held by one holder until its lease ends; then the next claim may take it.
func TestNodeLeases(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		leases := persistence.NewNodeLeases(env.DB)
		now := time.Now().UTC().Truncate(time.Second)

		a, err := leases.Claim(ctx, "a", 1023, now, now.Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, int64(1023), a)
		b, err := leases.Claim(ctx, "b", 1023, now, now.Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, int64(0), b, "the next free one, wrapping")

		held, err := leases.Renew(ctx, a, "b", now.Add(2*time.Minute))
		require.NoError(t, err)
		assert.False(t, held, "only its holder renews a lease")
		held, err = leases.Renew(ctx, a, "a", now.Add(2*time.Minute))
		require.NoError(t, err)
		assert.True(t, held)

		later := now.Add(90 * time.Second)
		c, err := leases.Claim(ctx, "c", 1023, later, later.Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, int64(0), c, "b's lease ended; a's was renewed")
		held, err = leases.Renew(ctx, b, "b", later.Add(time.Minute))
		require.NoError(t, err)
		assert.False(t, held, "b lost it")

		require.NoError(t, leases.Release(ctx, a, "a"))
		d, err := leases.Claim(ctx, "d", 1023, later, later.Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, int64(1023), d, "given back")
	})
}

// A node given to a process by configuration: taken if free, or from its own last life
// (a restart under the same name), never from another holder whose lease runs.
func TestClaimNode(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		leases := persistence.NewNodeLeases(env.DB)
		now := time.Now().UTC().Truncate(time.Second)

		leased, err := leases.Claim(ctx, "random-holder", 5, now, now.Add(time.Minute))
		require.NoError(t, err)
		ok, err := leases.ClaimNode(ctx, "node-5@a", leased, now, now.Add(time.Minute), nil)
		require.NoError(t, err)
		assert.False(t, ok, "leased by another process")

		ok, err = leases.ClaimNode(ctx, "node-7@a", 7, now, now.Add(time.Minute), nil)
		require.NoError(t, err)
		assert.True(t, ok, "free")
		ok, err = leases.ClaimNode(ctx, "node-7@a", 7, now.Add(time.Second), now.Add(2*time.Minute), nil)
		require.NoError(t, err)
		assert.True(t, ok, "its own, from before a restart")
		ok, err = leases.ClaimNode(ctx, "node-7@b", 7, now.Add(time.Second), now.Add(2*time.Minute), nil)
		require.NoError(t, err)
		assert.False(t, ok, "another host given the same number")
		ok, err = leases.ClaimNode(ctx, "node-7@b", 7, now.Add(3*time.Minute), now.Add(4*time.Minute), nil)
		require.NoError(t, err)
		assert.True(t, ok, "once the lease ended")

		gone := func(prev string) bool { return prev == "node-7@b#41" }
		ok, err = leases.ClaimNode(ctx, "node-7@b#42", 7, now.Add(3*time.Minute), now.Add(4*time.Minute), gone)
		require.NoError(t, err)
		assert.False(t, ok, "held by a process that still runs")
		gone = func(prev string) bool { return prev == "node-7@b" }
		ok, err = leases.ClaimNode(ctx, "node-7@b#42", 7, now.Add(3*time.Minute), now.Add(4*time.Minute), gone)
		require.NoError(t, err)
		assert.True(t, ok, "taken back from a process that is gone, its lease still running")
		ok, err = leases.Renew(ctx, 7, "node-7@b#42", now.Add(5*time.Minute))
		require.NoError(t, err)
		assert.True(t, ok, "held")

		next, err := leases.Claim(ctx, "other", 7, now.Add(3*time.Minute), now.Add(4*time.Minute))
		require.NoError(t, err)
		assert.NotEqual(t, int64(7), next, "a leasing process passes a configured node by")
	})
}
