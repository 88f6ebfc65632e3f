package persistence_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
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

// truthOfNewActivity stores a new activity and reads its truth at a clock 30 minutes into
// its window.
func truthOfNewActivity(t *testing.T, env testkit.SQLEnv) (*activity.Activity, *persistence.Truth, time.Time) {
	t.Helper()
	return truthAt(t, env, testBegin.Add(30*time.Minute))
}

// truthAt stores a new activity and reads its truth at a clock stopped at now.
func truthAt(t *testing.T, env testkit.SQLEnv, now time.Time) (*activity.Activity, *persistence.Truth, time.Time) {
	t.Helper()
	activities := persistence.NewActivityRepo(env.DB, repoIDs)
	a := newActivity(t, "m")
	require.NoError(t, activities.Create(context.Background(), a))
	return a, persistence.NewTruth(env.DB, activities, func() time.Time { return now }), now
}

func TestSnapshotCarriesReleased(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		a, truth, now := truthOfNewActivity(t, env)
		prizes := a.Strategy().Prizes() // slots 40 at begin + 60 an hour later; even 2000; no plan 1

		snap, err := truth.Snapshot(ctx, a.ID(), "2026-11-11")
		require.NoError(t, err)
		assert.Equal(t, int64(40), snap.Prizes[prizes[0].ID].Released)
		assert.Equal(t, int64(2000*30/(24*60)+1), snap.Prizes[prizes[1].ID].Released, "a unit at the start of each share")
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

// An activity loaded just ahead of its window (the state timer starts it early) has what
// is due at begin_at in its pools, rather than nothing until the release job runs.
func TestSnapshotAheadOfTheWindowReleasesWhatBeginReleases(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		a, early, _ := truthAt(t, env, testBegin.Add(-5*time.Second))
		snap, err := early.Snapshot(context.Background(), a.ID(), "2026-11-11")
		require.NoError(t, err)
		prizes := a.Strategy().Prizes() // slots 40 at begin + 60 an hour later; even 2000; no plan 1
		assert.Equal(t, int64(40), snap.Prizes[prizes[0].ID].Pool, "the slot at begin")
		assert.Equal(t, int64(1), snap.Prizes[prizes[1].ID].Pool, "the even plan's first unit")
		assert.Equal(t, int64(1), snap.Prizes[prizes[2].ID].Pool)
	})
}

// A snapshot counts the day before its day too, for draws admitted just after midnight.
func TestSnapshotCountsTheDayBefore(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		a, truth, _ := truthOfNewActivity(t, env)
		prize := a.Strategy().Prizes()[2].ID
		w, err := persistence.NewOrderWriter(env.DB, persistence.WriterOptions{Outbox: encoder})
		require.NoError(t, err)
		for _, spec := range []struct {
			user, day string
			win       bool
		}{{"u1", "2026-11-11", false}, {"u1", "2026-11-10", false}, {"u2", "2026-11-10", true}, {"u2", "2026-11-09", false}} {
			o := testOrder(spec.user, spec.win)
			o.ActivityID, o.Day = a.ID(), spec.day
			if spec.win {
				o.PrizeID = prize
			}
			require.NoError(t, w.Write(ctx, o, time.Time{}))
		}
		w.Close()
		snap, err := truth.Snapshot(ctx, a.ID(), "2026-11-11")
		require.NoError(t, err)
		assert.Equal(t, "2026-11-10", snap.PrevDay)
		assert.Equal(t, map[string]draw.UserCount{"u1": {Total: 2, Today: 1, PrevDay: 1}, "u2": {Total: 2, PrevDay: 1}}, snap.Users)
		assert.Equal(t, int64(1), snap.Prizes[prize].WinsOnPrevDay)
		assert.Zero(t, snap.Prizes[prize].WinsOnDay)
	})
}

// Reconciliation compares the ledger with Totals, which skips the users: its stock and
// pools must be the snapshot's, wins on the day and releases included.
func TestTotalsAgreeWithTheSnapshot(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		a, truth, now := truthOfNewActivity(t, env)
		prizes := a.Strategy().Prizes()
		require.NoError(t, persistence.NewReleaseRepo(env.DB).RecordRelease(ctx, prizes[0].ID, 45, now))

		const q = `INSERT INTO orders (id, activity_id, strategy_id, user_id, day, outcome, prize_id,
			grant_state, mq_state, created_at, updated_at)
			VALUES (?, ?, 1, ?, ?, ?, ?, 'none', 'none', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`
		for i := range 60 {
			day := []string{"2026-11-10", "2026-11-11"}[i%2]
			var prize any
			outcome := "lose"
			if i%4 != 3 {
				prize, outcome = prizes[i%3].ID, "win"
			}
			require.NoError(t, env.DB.Gorm.Exec(q, newID(), a.ID(), fmt.Sprintf("u%d", i%7), day, outcome, prize).Error)
		}
		// Another activity's orders count for neither.
		require.NoError(t, env.DB.Gorm.Exec(q, newID(), a.ID()+1, "u1", "2026-11-11", "win", prizes[0].ID).Error)

		snap, err := truth.Snapshot(ctx, a.ID(), "2026-11-11")
		require.NoError(t, err)
		totals, err := truth.Totals(ctx, a.ID(), "2026-11-11")
		require.NoError(t, err)
		assert.Equal(t, int64(100_000-60), snap.StockLeft)
		assert.Equal(t, snap.StockLeft, totals.StockLeft)
		assert.Equal(t, snap.Prizes, totals.Prizes)
		assert.Equal(t, int64(45-15), totals.Prizes[prizes[0].ID].Pool, "released 45, won 15")
		assert.Equal(t, int64(5), totals.Prizes[prizes[1].ID].WinsOnDay, "of i ≡ 1 (mod 6), those with i%4 = 3 lose")
		assert.Empty(t, totals.Users)

		want := map[string]draw.UserCount{}
		for i := range 60 {
			c := want[fmt.Sprintf("u%d", i%7)]
			c.Total++
			if i%2 == 1 {
				c.Today++
			} else {
				c.PrevDay++
			}
			want[fmt.Sprintf("u%d", i%7)] = c
		}
		assert.Equal(t, want, snap.Users, "each user's orders, in all, on the day and the day before")
	})
}

// A load asked for by a draw that read the clock just before the activity's midnight, and
// run after it, rebuilds the new day too: orders of the new day already count against
// its daily limits and quotas. A later day asked for (a server whose clock runs ahead)
// is kept.
func TestSnapshotCountsTheActivitysDayWhenLater(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		a, truth, _ := truthAt(t, env, testBegin.Add(30*time.Minute)) // 00:30 on 2026-11-11 in Shanghai
		require.NoError(t, env.DB.Gorm.Exec(`INSERT INTO orders (id, activity_id, strategy_id, user_id, day, outcome,
			idempotency_key, grant_state, mq_state, created_at, updated_at)
			VALUES (?, ?, 1, 'u1', '2026-11-11', 'lose', '', 'none', 'none', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
			newID(), a.ID()).Error)

		snap, err := truth.Snapshot(ctx, a.ID(), "2026-11-10")
		require.NoError(t, err)
		assert.Equal(t, "2026-11-11", snap.Day)
		assert.Equal(t, "2026-11-10", snap.PrevDay)
		assert.Equal(t, int64(1), snap.Users["u1"].Today)

		snap, err = truth.Snapshot(ctx, a.ID(), "2026-11-12")
		require.NoError(t, err)
		assert.Equal(t, "2026-11-12", snap.Day)
	})
}
