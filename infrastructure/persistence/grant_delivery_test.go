package persistence_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

// TestGrantDeliveryTellsHowAPendingGrantGoes: a grant's outbox entry tells the deliveries
// made, why the last failed and when the next is due while it waits; queued or on its way
// again it has no next attempt to tell, and once granted it has no entry.
func TestGrantDeliveryTellsHowAPendingGrantGoes(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		wins := writeWins(t, env, 3, now.Add(-time.Minute))
		queued, waiting, granted := wins[0], wins[1], wins[2]
		grants, outbox := persistence.NewGrantRepo(env.DB), persistence.NewOutboxRepo(env.DB)

		d, ok, err := grants.Delivery(ctx, queued.ID)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, draw.GrantDelivery{}, d, "queued: not delivered yet")

		// Its relays are not deliveries: a publish repeated leaves the count alone.
		require.NoError(t, outbox.MarkRetried(ctx, []int64{queued.ID}, now.Add(time.Minute), now))
		d, _, err = grants.Delivery(ctx, queued.ID)
		require.NoError(t, err)
		assert.Equal(t, draw.GrantDelivery{}, d, "republished, still undelivered")

		const reason = "coupon webhook answered 503 Service Unavailable"
		next := now.Add(10 * time.Second)
		require.NoError(t, outbox.Defer(ctx, []int64{waiting.ID}, 3, next, reason))
		d, ok, err = grants.Delivery(ctx, waiting.ID)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, draw.GrantDelivery{Attempts: 3, LastError: reason, NextAttemptAt: next}, d)

		// Due, it is published again: on its way, with the deliveries it has had and why the
		// last failed.
		require.NoError(t, outbox.MarkRetried(ctx, []int64{waiting.ID}, next.Add(time.Minute), next))
		d, _, err = grants.Delivery(ctx, waiting.ID)
		require.NoError(t, err)
		assert.Equal(t, draw.GrantDelivery{Attempts: 3, LastError: reason}, d, "in flight: no next attempt to wait for")

		require.NoError(t, grants.Record(ctx, grantOf(granted, draw.GrantGranted, nil)))
		for _, id := range []int64{granted.ID, 424242} {
			_, ok, err = grants.Delivery(ctx, id)
			require.NoError(t, err)
			assert.False(t, ok, "order %d has no outbox entry", id)
		}
	})
}
