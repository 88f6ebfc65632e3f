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
// made, why the last failed and when the next is due while it waits, and since when it has
// waited (its win, or its last retry); queued or on its way again it has no next attempt to
// tell, and once granted it has no entry.
func TestGrantDeliveryTellsHowAPendingGrantGoes(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		wins := writeWins(t, env, 4, now.Add(-time.Minute))
		queued, waiting, granted, retried := wins[0], wins[1], wins[2], wins[3]
		grants, outbox := persistence.NewGrantRepo(env.DB), persistence.NewOutboxRepo(env.DB)

		d, ok, err := grants.Delivery(ctx, queued.ID)
		require.NoError(t, err)
		require.True(t, ok)
		won := draw.GrantDelivery{Since: queued.CreatedAt.UTC()}
		assert.Equal(t, won, d, "queued: not delivered yet, waiting since its win")

		// Its relays are not deliveries: a publish repeated leaves the count alone.
		require.NoError(t, outbox.MarkRetried(ctx, []int64{queued.ID}, now.Add(time.Minute), now))
		d, _, err = grants.Delivery(ctx, queued.ID)
		require.NoError(t, err)
		assert.Equal(t, won, d, "republished, still undelivered")

		const reason = "coupon webhook answered 503 Service Unavailable"
		next := now.Add(10 * time.Second)
		require.NoError(t, outbox.Defer(ctx, []int64{waiting.ID}, 3, next, reason))
		d, ok, err = grants.Delivery(ctx, waiting.ID)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, draw.GrantDelivery{Attempts: 3, LastError: reason, NextAttemptAt: next, Since: waiting.CreatedAt.UTC()}, d)

		// Due, it is published again: on its way, with the deliveries it has had and why the
		// last failed.
		require.NoError(t, outbox.MarkRetried(ctx, []int64{waiting.ID}, next.Add(time.Minute), next))
		d, _, err = grants.Delivery(ctx, waiting.ID)
		require.NoError(t, err)
		assert.Equal(t, draw.GrantDelivery{Attempts: 3, LastError: reason, Since: waiting.CreatedAt.UTC()}, d, "in flight: no next attempt to wait for")

		// Sent again after it failed: its wait begins anew.
		require.NoError(t, grants.Fail(ctx, retried.ID, "coupon webhook answered 410 Gone", now))
		again := now.Add(time.Hour)
		require.NoError(t, grants.Reopen(ctx, retried.ID, "ada", "grant.coupon", []byte("{}"), again))
		d, _, err = grants.Delivery(ctx, retried.ID)
		require.NoError(t, err)
		assert.Equal(t, draw.GrantDelivery{Since: again}, d, "sent again: waiting since then")

		require.NoError(t, grants.Record(ctx, grantOf(granted, draw.GrantGranted, nil)))
		for _, id := range []int64{granted.ID, 424242} {
			_, ok, err = grants.Delivery(ctx, id)
			require.NoError(t, err)
			assert.False(t, ok, "order %d has no outbox entry", id)
		}
	})
}
