package persistence_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/user"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestBlacklistRepo(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewBlacklistRepo(env.DB)
		_, err := repo.Get(ctx, "u1")
		assert.ErrorIs(t, err, user.ErrNotFound)

		require.NoError(t, repo.Add(ctx, "u1", "bot"))
		first, err := repo.Get(ctx, "u1")
		require.NoError(t, err)
		assert.Equal(t, "bot", first.Reason)

		require.NoError(t, repo.Add(ctx, "u1", "still a bot"))
		again, err := repo.Get(ctx, "u1")
		require.NoError(t, err)
		assert.Equal(t, "still a bot", again.Reason)
		assert.True(t, first.CreatedAt.Equal(again.CreatedAt), "the first listing time stays")

		require.NoError(t, repo.Remove(ctx, "u1"))
		require.NoError(t, repo.Remove(ctx, "u1"), "removing an unlisted user is fine")
		_, err = repo.Get(ctx, "u1")
		assert.ErrorIs(t, err, user.ErrNotFound)
	})
}

func TestOrderStatsCounts(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		insert := func(id, activityID int64, outcome string, prize any) {
			require.NoError(t, env.DB.Gorm.Exec(`INSERT INTO orders (id, activity_id, strategy_id, user_id, day, outcome,
				prize_id, grant_state, mq_state, created_at, updated_at)
				VALUES (?, ?, 1, 'u1', '2026-11-11', ?, ?, 'pending', 'pending', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				id, activityID, outcome, prize).Error)
		}
		insert(1, 10, "win", 100)
		insert(2, 10, "win", 100)
		insert(3, 10, "win", 101)
		insert(4, 10, "lose", nil)
		insert(5, 11, "win", 100)

		stats := persistence.NewOrderStats(env.DB)
		draws, wins, err := stats.OrderCounts(ctx, 10)
		require.NoError(t, err)
		assert.Equal(t, int64(4), draws)
		assert.Equal(t, map[int64]int64{100: 2, 101: 1}, wins)
		draws, wins, err = stats.OrderCounts(ctx, 99)
		require.NoError(t, err)
		assert.Zero(t, draws)
		assert.Empty(t, wins)
	})
}
