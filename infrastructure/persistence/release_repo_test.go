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

func TestRecordReleaseOnlyRaises(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewReleaseRepo(env.DB)
		for _, step := range []struct{ record, want int64 }{{10, 10}, {25, 25}, {20, 25}, {25, 25}} {
			require.NoError(t, repo.RecordRelease(ctx, 5, step.record, time.Now()))
			got, err := repo.Released(ctx, 5)
			require.NoError(t, err)
			assert.Equal(t, step.want, got, "after recording %d", step.record)
		}
	})
}

func TestSnapshotCarriesReleased(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		activities := persistence.NewActivityRepo(env.DB, newID)
		a := newActivity(t, "m")
		require.NoError(t, activities.Create(ctx, a))
		prizes := a.Strategy().Prizes() // slots 40 at begin + 60 an hour later; even 2000; no plan 1
		now := testBegin.Add(30 * time.Minute)
		truth := persistence.NewTruth(env.DB, activities, func() time.Time { return now })

		snap, err := truth.Snapshot(ctx, a.ID(), "2026-11-11")
		require.NoError(t, err)
		assert.Equal(t, int64(40), snap.Prizes[prizes[0].ID].Released)
		assert.Equal(t, int64(2000*30/(24*60)), snap.Prizes[prizes[1].ID].Released)
		assert.Equal(t, int64(1), snap.Prizes[prizes[2].ID].Released, "no plan: the whole stock")
		assert.Equal(t, int64(40), snap.Prizes[prizes[0].ID].Pool)

		// A release recorded by a job whose clock ran ahead is honoured, up to the stock.
		releases := persistence.NewReleaseRepo(env.DB)
		require.NoError(t, releases.RecordRelease(ctx, prizes[0].ID, 100, now))
		require.NoError(t, releases.RecordRelease(ctx, prizes[1].ID, 9999, now))
		snap, err = truth.Snapshot(ctx, a.ID(), "2026-11-11")
		require.NoError(t, err)
		assert.Equal(t, int64(100), snap.Prizes[prizes[0].ID].Released)
		assert.Equal(t, int64(2000), snap.Prizes[prizes[1].ID].Released)
	})
}
