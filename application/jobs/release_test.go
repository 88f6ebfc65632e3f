package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/jobs"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/strategy"
	"github.com/lottery-go/lottery/infrastructure/persistence"
)

func TestReleasePlanOverAControlledClock(t *testing.T) {
	begin := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	end := begin.Add(100 * time.Minute)
	eachWorld(t, begin, func(t *testing.T, w *world) {
		ctx := context.Background()
		a := w.activity(t, begin, end, activity.StateRunning,
			strategy.Prize{Probability: 1000, Stock: 100, Release: &strategy.ReleasePlan{Kind: strategy.ReleaseEven}},
			strategy.Prize{Probability: 1000, Stock: 20, Release: &strategy.ReleasePlan{Kind: strategy.ReleaseSlots,
				Slots: []strategy.ReleaseSlot{{At: begin.Add(10 * time.Minute), Amount: 5}, {At: begin.Add(30 * time.Minute), Amount: 10},
					{At: begin.Add(90 * time.Minute), Amount: 5}}}},
			strategy.Prize{Probability: 1000, Stock: 3})
		even, slots, whole := a.Strategy().At(0).ID, a.Strategy().At(1).ID, a.Strategy().At(2).ID
		w.load(t, a)
		releases := persistence.NewReleaseRepo(w.sql.DB)
		job := &jobs.Release{Activities: w.activities, Pools: w.ledger, Releases: releases, Now: w.clock.Now}

		steps := []struct {
			at                  time.Duration
			evenPool, slotsPool int64
			added               int64
		}{
			{0, 1, 0, 0}, // the load released the even plan's first unit
			{9 * time.Minute, 10, 0, 9},
			{10 * time.Minute, 11, 5, 6},
			{10 * time.Minute, 11, 5, 0}, // a second run at the same instant adds nothing
			{75 * time.Minute, 76, 15, 75},
			{99 * time.Minute, 100, 20, 29}, // all of it while draws are still taken
			{3 * time.Hour, 100, 20, 0},     // past the end: never more
		}
		for _, s := range steps {
			w.clock.Set(begin.Add(s.at))
			rep, err := job.Run(ctx)
			require.NoError(t, err)
			assert.Equal(t, s.added, rep["released"], "units added at +%v", s.at)
			c, loaded, err := w.ledger.Counters(ctx, a.ID())
			require.NoError(t, err)
			require.True(t, loaded)
			assert.Equal(t, s.evenPool, c.PoolLeft[even], "even pool at +%v", s.at)
			assert.Equal(t, s.slotsPool, c.PoolLeft[slots], "slots pool at +%v", s.at)
			assert.Equal(t, int64(3), c.PoolLeft[whole], "no plan: all from the start")
			got, err := releases.Released(ctx, even)
			require.NoError(t, err)
			assert.Equal(t, s.evenPool, got, "prize_releases at +%v", s.at)
		}
	})
}

func TestReleaseSurvivesAReload(t *testing.T) {
	begin := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	eachWorld(t, begin.Add(40*time.Minute), func(t *testing.T, w *world) {
		ctx := context.Background()
		a := w.activity(t, begin, begin.Add(100*time.Minute), activity.StateRunning,
			strategy.Prize{Probability: 1000, Stock: 100, Release: &strategy.ReleasePlan{Kind: strategy.ReleaseEven}})
		prize := a.Strategy().At(0).ID
		w.load(t, a) // loads 41 released
		job := &jobs.Release{Activities: w.activities, Pools: w.ledger, Releases: persistence.NewReleaseRepo(w.sql.DB), Now: w.clock.Now}
		rep, err := job.Run(ctx)
		require.NoError(t, err)
		assert.Zero(t, rep["released"], "the load already released what is due")

		w.clock.Add(10 * time.Minute)
		require.NoError(t, w.ledger.Invalidate(ctx, a.ID()))
		w.load(t, a)
		rep, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Zero(t, rep["released"], "a reload takes its release from SQL")
		c, _, err := w.ledger.Counters(ctx, a.ID())
		require.NoError(t, err)
		assert.Equal(t, int64(51), c.PoolLeft[prize])
	})
}

// poolsFailingFor fails the release of one activity's prizes.
type poolsFailingFor struct {
	jobs.Pools
	activityID int64
}

func (p poolsFailingFor) Release(ctx context.Context, activityID, prizeID, target int64) (int64, error) {
	if activityID == p.activityID {
		return 0, errors.New("pool unavailable")
	}
	return p.Pools.Release(ctx, activityID, prizeID, target)
}

// One activity that cannot be released does not hold up the others.
func TestReleaseGoesOnPastAFailingActivity(t *testing.T) {
	begin := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	eachWorld(t, begin, func(t *testing.T, w *world) {
		ctx := context.Background()
		plan := strategy.Prize{Probability: 1000, Stock: 100, Release: &strategy.ReleasePlan{Kind: strategy.ReleaseEven}}
		broken := w.activity(t, begin, begin.Add(100*time.Minute), activity.StateRunning, plan)
		fine := w.activity(t, begin, begin.Add(100*time.Minute), activity.StateRunning, plan)
		w.load(t, broken)
		w.load(t, fine)
		job := &jobs.Release{Activities: w.activities, Pools: poolsFailingFor{w.ledger, broken.ID()},
			Releases: persistence.NewReleaseRepo(w.sql.DB), Now: w.clock.Now}
		w.clock.Set(begin.Add(50 * time.Minute))

		rep, err := job.Run(ctx)
		require.ErrorContains(t, err, fmt.Sprintf("activity %d: pool unavailable", broken.ID()))
		assert.Equal(t, int64(50), rep["released"])
		c, _, err := w.ledger.Counters(ctx, fine.ID())
		require.NoError(t, err)
		assert.Equal(t, int64(51), c.PoolLeft[fine.Strategy().At(0).ID])
	})
}

// every10s is a schedule's next run: ten seconds on.
func every10s(after time.Time) time.Time { return after.Add(10 * time.Second) }

// The last run before a window ends releases the rest of the plan: the next run finds the
// window closed, and what fell due in between would never reach the pool.
func TestTheLastRunBeforeTheEndReleasesTheRest(t *testing.T) {
	begin := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	end := begin.Add(100 * time.Minute)
	eachWorld(t, begin, func(t *testing.T, w *world) {
		ctx := context.Background()
		a := w.activity(t, begin, end, activity.StateRunning,
			strategy.Prize{Probability: 1000, Stock: 6000, Release: &strategy.ReleasePlan{Kind: strategy.ReleaseEven}})
		prize := a.Strategy().At(0).ID
		w.load(t, a)
		releases := persistence.NewReleaseRepo(w.sql.DB)
		job := &jobs.Release{Activities: w.activities, Pools: w.ledger, Releases: releases, Now: w.clock.Now, NextRun: every10s}

		w.clock.Set(end.Add(-time.Minute))
		_, err := job.Run(ctx)
		require.NoError(t, err)
		got, err := releases.Released(ctx, prize)
		require.NoError(t, err)
		assert.Equal(t, int64(5941), got, "a run with runs to come releases what is due")

		w.clock.Set(end.Add(-5 * time.Second))
		_, err = job.Run(ctx)
		require.NoError(t, err)
		c, _, err := w.ledger.Counters(ctx, a.ID())
		require.NoError(t, err)
		assert.Equal(t, int64(6000), c.PoolLeft[prize], "the last run before the end releases it all")
	})
}

// A window that opens and closes between two runs gets its whole plan: the run before it
// records the release, and the activity's load at start takes it.
func TestAWindowBetweenTwoRunsGetsItsWholePlan(t *testing.T) {
	now := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	eachWorld(t, now, func(t *testing.T, w *world) {
		ctx := context.Background()
		a := w.activity(t, now.Add(3*time.Second), now.Add(8*time.Second), activity.StateApproved,
			strategy.Prize{Probability: 1000, Stock: 100, Release: &strategy.ReleasePlan{Kind: strategy.ReleaseEven}})
		later := w.activity(t, now.Add(3*time.Second), now.Add(time.Hour), activity.StateApproved,
			strategy.Prize{Probability: 1000, Stock: 100, Release: &strategy.ReleasePlan{Kind: strategy.ReleaseEven}})
		releases := persistence.NewReleaseRepo(w.sql.DB)
		job := &jobs.Release{Activities: w.activities, Pools: w.ledger, Releases: releases, Now: w.clock.Now, NextRun: every10s}
		_, err := job.Run(ctx)
		require.NoError(t, err)
		got, err := releases.Released(ctx, a.Strategy().At(0).ID)
		require.NoError(t, err)
		assert.Equal(t, int64(100), got)
		got, err = releases.Released(ctx, later.Strategy().At(0).ID)
		require.NoError(t, err)
		assert.Zero(t, got, "an approved activity with runs to come is left to its start")

		w.clock.Set(now.Add(3 * time.Second))
		w.load(t, a)
		c, loaded, err := w.ledger.Counters(ctx, a.ID())
		require.NoError(t, err)
		require.True(t, loaded)
		assert.Equal(t, int64(100), c.PoolLeft[a.Strategy().At(0).ID])
	})
}
