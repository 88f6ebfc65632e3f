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

// writeWins commits n won orders (with their outbox rows) created at at.
func writeWins(t *testing.T, env testkit.SQLEnv, n int, at time.Time) []draw.Order {
	t.Helper()
	w, err := persistence.NewOrderWriter(env.DB, persistence.WriterOptions{Outbox: encoder})
	require.NoError(t, err)
	defer w.Close()
	out := make([]draw.Order, n)
	for i := range out {
		o := testOrder("u", true)
		o.CreatedAt = at
		require.NoError(t, w.Write(context.Background(), o))
		out[i] = o
	}
	return out
}

func ids(entries []draw.OutboxEntry) []int64 {
	out := make([]int64, len(entries))
	for i, e := range entries {
		out[i] = e.OrderID
	}
	return out
}

func mqState(t *testing.T, env testkit.SQLEnv, orderID int64) (order, outbox string) {
	t.Helper()
	require.NoError(t, env.DB.Gorm.Raw(`SELECT mq_state FROM orders WHERE id = ?`, orderID).Scan(&order).Error)
	require.NoError(t, env.DB.Gorm.Raw(`SELECT state FROM outbox WHERE order_id = ?`, orderID).Scan(&outbox).Error)
	return order, outbox
}

func TestOutboxLifecycle(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		orders := writeWins(t, env, 3, now.Add(-time.Minute))
		repo := persistence.NewOutboxRepo(env.DB)

		pending, err := repo.Pending(ctx, 10)
		require.NoError(t, err)
		require.ElementsMatch(t, []int64{orders[0].ID, orders[1].ID, orders[2].ID}, ids(pending))
		assert.Equal(t, "LOTTERY.grant.coupon", pending[0].Subject)
		assert.Contains(t, string(pending[0].Payload), "order_id")

		require.NoError(t, repo.MarkSent(ctx, []int64{orders[0].ID, orders[1].ID}))
		require.NoError(t, repo.MarkFailed(ctx, orders[2].ID, "nats: no responders", now.Add(time.Minute)))
		require.NoError(t, repo.MarkFailed(ctx, orders[0].ID, "late failure", now), "a sent entry stays sent")

		for id, want := range map[int64]string{orders[0].ID: "sent", orders[1].ID: "sent", orders[2].ID: "failed"} {
			o, b := mqState(t, env, id)
			assert.Equal(t, want, o, "orders.mq_state")
			assert.Equal(t, want, b, "outbox.state")
		}
		pending, err = repo.Pending(ctx, 10)
		require.NoError(t, err)
		assert.Empty(t, pending)

		due, err := repo.Overdue(ctx, now, now.Add(-30*time.Second), 10)
		require.NoError(t, err)
		assert.Empty(t, due, "the failed entry is not due yet")
		due, err = repo.Overdue(ctx, now.Add(2*time.Minute), now.Add(-30*time.Second), 10)
		require.NoError(t, err)
		require.Equal(t, []int64{orders[2].ID}, ids(due))
		assert.Equal(t, 1, due[0].Attempts)

		fresh := writeWins(t, env, 1, now)
		due, err = repo.Overdue(ctx, now, now.Add(-30*time.Second), 10)
		require.NoError(t, err)
		assert.Empty(t, due, "a fresh pending entry is the relay's")
		due, err = repo.Overdue(ctx, now, now.Add(time.Second), 10)
		require.NoError(t, err)
		assert.Equal(t, []int64{fresh[0].ID}, ids(due), "a stale pending entry is overdue")
	})
}
