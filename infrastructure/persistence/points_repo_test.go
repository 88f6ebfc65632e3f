package persistence_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestPointsCreditOncePerOrder(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewPointsRepo(env.DB)
		at := time.Now()
		for i, e := range []award.PointsEntry{
			{UserID: "u1", OrderID: 11, Delta: 100, Reason: "Spring points"},
			{UserID: "u1", OrderID: 11, Delta: 100, Reason: "Spring points"},
			{UserID: "u1", OrderID: 12, Delta: 50, Reason: "Summer points"},
			{UserID: "u2", OrderID: 13, Delta: 7},
			{UserID: "u1", Delta: -30, Reason: "spent"},
		} {
			e.At = at.Add(time.Duration(i) * time.Second)
			require.NoError(t, repo.Credit(ctx, e))
		}
		bal, err := repo.Balance(ctx, "u1")
		require.NoError(t, err)
		assert.Equal(t, int64(120), bal)
		bal, err = repo.Balance(ctx, "nobody")
		require.NoError(t, err)
		assert.Zero(t, bal)

		first, err := repo.Entries(ctx, "u1", 0, 2)
		require.NoError(t, err)
		require.Len(t, first, 2)
		assert.Equal(t, int64(-30), first[0].Delta, "newest first")
		assert.Zero(t, first[0].OrderID)
		assert.Equal(t, int64(12), first[1].OrderID)
		rest, err := repo.Entries(ctx, "u1", first[1].ID, 2)
		require.NoError(t, err)
		require.Len(t, rest, 1)
		assert.Equal(t, int64(11), rest[0].OrderID)
		assert.Equal(t, "Spring points", rest[0].Reason)
	})
}
