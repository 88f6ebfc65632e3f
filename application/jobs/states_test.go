package jobs_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/jobs"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestStatesFollowTheWindow(t *testing.T) {
	begin := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	end := begin.Add(24 * time.Hour)
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		ctx := context.Background()
		w := &world{sql: env, clock: testkit.NewClock(begin.Add(-time.Minute)), activities: persistence.NewActivityRepo(env.DB, repoIDs)}
		approved := w.activity(t, begin, end, activity.StateApproved)
		paused := w.activity(t, begin.Add(-time.Hour), end, activity.StatePaused)
		late := w.activity(t, begin.Add(-2*time.Hour), begin.Add(-time.Hour), activity.StateApproved)
		f := &feed{}
		st := &starter{}
		job := &jobs.States{Activities: w.activities, Feed: f, Starter: st, Now: w.clock.Now}

		state := func(a *activity.Activity) activity.State {
			got, err := w.activities.Get(ctx, a.ID())
			require.NoError(t, err)
			return got.State()
		}
		rep, err := job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(1), rep["closed"], "an approved activity whose window passed is closed")
		assert.Equal(t, activity.StateApproved, state(approved), "not begun yet")
		assert.Equal(t, activity.StateClosed, state(late))
		assert.Equal(t, int64(1), f.n.Load(), "caches are told")

		w.clock.Set(begin)
		rep, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, jobs.Report{"started": 1, "closed": 0, "skipped": 0}, rep)
		assert.Equal(t, activity.StateRunning, state(approved))
		assert.Equal(t, []int64{approved.ID()}, st.ids(), "only the start was prepared, not the closes")
		assert.Equal(t, activity.StatePaused, state(paused), "a paused activity stays paused in its window")

		w.clock.Set(end)
		rep, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(2), rep["closed"])
		assert.Equal(t, activity.StateClosed, state(approved))
		assert.Equal(t, activity.StateClosed, state(paused))
		assert.Equal(t, int64(3), f.n.Load())

		rep, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, jobs.Report{"started": 0, "closed": 0, "skipped": 0}, rep, "nothing left to do")
		trail, err := w.activities.Trail(ctx, approved.ID())
		require.NoError(t, err)
		last := trail[len(trail)-1]
		assert.Equal(t, "system", last.Actor)
		assert.Equal(t, activity.ActionClose, last.Action)
	})
}

// With runs 5 s apart, an activity whose window begins before the next run is started by
// this one: it is running when its window begins, and a window that lies between two runs
// is opened rather than closed unrun. Draws still wait for begin_at.
func TestStatesStartAheadOfTheNextRun(t *testing.T) {
	tick := time.Date(2026, 11, 11, 20, 0, 0, 0, time.UTC)
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		ctx := context.Background()
		w := &world{sql: env, clock: testkit.NewClock(tick.Add(-time.Hour)), activities: persistence.NewActivityRepo(env.DB, repoIDs)}
		sale := w.activity(t, tick.Add(100*time.Millisecond), tick.Add(time.Hour), activity.StateApproved)
		flash := w.activity(t, tick.Add(time.Second), tick.Add(4*time.Second), activity.StateApproved)
		later := w.activity(t, tick.Add(10*time.Second), tick.Add(time.Hour), activity.StateApproved)
		every5s := func(after time.Time) time.Time { return after.Add(5 * time.Second) }
		job := &jobs.States{Activities: w.activities, Feed: &feed{}, NextRun: every5s, Now: w.clock.Now}
		get := func(a *activity.Activity) *activity.Activity {
			got, err := w.activities.Get(ctx, a.ID())
			require.NoError(t, err)
			return got
		}

		w.clock.Set(tick)
		rep, err := job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, jobs.Report{"started": 2, "closed": 0, "skipped": 0}, rep)
		assert.Equal(t, activity.StateRunning, get(sale).State())
		assert.Equal(t, activity.StateRunning, get(flash).State())
		assert.Equal(t, activity.StateApproved, get(later).State(), "begins after the next run: started by it")
		assert.ErrorIs(t, get(sale).AcceptsDraws(tick), activity.ErrNotRunning, "no draw before begin_at")
		assert.NoError(t, get(sale).AcceptsDraws(tick.Add(100*time.Millisecond)))
		assert.NoError(t, get(flash).AcceptsDraws(tick.Add(3*time.Second)), "the flash sale draws in its window")

		w.clock.Set(tick.Add(5 * time.Second))
		rep, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, jobs.Report{"started": 1, "closed": 1, "skipped": 0}, rep)
		assert.Equal(t, activity.StateClosed, get(flash).State())
		assert.Equal(t, activity.StateRunning, get(later).State())
		trail, err := w.activities.Trail(ctx, flash.ID())
		require.NoError(t, err)
		assert.Equal(t, activity.ActionStart, trail[len(trail)-2].Action, "it ran before it closed")
	})
}

// A run whose next one is further away than the usual wait (a daily schedule across the
// change to daylight saving time) starts what begins before that next run: the activity
// runs in its window instead of being closed unrun by the next.
func TestStatesStartAheadOfALateNextRun(t *testing.T) {
	tick := time.Date(2026, 3, 7, 7, 30, 0, 0, time.UTC)
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		ctx := context.Background()
		w := &world{sql: env, clock: testkit.NewClock(tick), activities: persistence.NewActivityRepo(env.DB, repoIDs)}
		sunday := w.activity(t, tick.Add(30*time.Hour), tick.Add(40*time.Hour), activity.StateApproved)
		nextRun := func(after time.Time) time.Time { return after.Add(47 * time.Hour) }
		job := &jobs.States{Activities: w.activities, Feed: &feed{}, NextRun: nextRun, Now: w.clock.Now}

		rep, err := job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, jobs.Report{"started": 1, "closed": 0, "skipped": 0}, rep)
		got, err := w.activities.Get(ctx, sunday.ID())
		require.NoError(t, err)
		assert.Equal(t, activity.StateRunning, got.State())
		assert.ErrorIs(t, got.AcceptsDraws(tick), activity.ErrNotRunning, "no draw before begin_at")
	})
}

// starter records the activities it was asked to prepare.
type starter struct {
	mu       sync.Mutex
	prepared []int64
}

func (s *starter) Prepare(_ context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prepared = append(s.prepared, id)
	return nil
}

func (s *starter) ids() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.prepared
}

// cancelAfterTransition ends the run's context once a transition has committed, as a
// scheduler stopping for a deploy would.
type cancelAfterTransition struct {
	jobs.Activities
	cancel context.CancelFunc
}

func (c cancelAfterTransition) Transition(ctx context.Context, id int64, fn func(*activity.Activity) (activity.TrailEntry, error)) error {
	err := c.Activities.Transition(ctx, id, fn)
	c.cancel()
	return err
}

// liveFeed counts announcements made with a live context only.
type liveFeed struct{ n atomic.Int64 }

func (f *liveFeed) Publish(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.n.Add(1)
	return nil
}

// A change committed just before the run was stopped is still announced: the next run
// finds nothing due and would not announce it.
func TestStatesAnnounceWhatTheyCommittedWhenStopped(t *testing.T) {
	begin := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		w := &world{sql: env, clock: testkit.NewClock(begin), activities: persistence.NewActivityRepo(env.DB, repoIDs)}
		w.activity(t, begin, begin.Add(time.Hour), activity.StateApproved)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f := &liveFeed{}
		job := &jobs.States{Activities: cancelAfterTransition{Activities: w.activities, cancel: cancel}, Feed: f, Now: w.clock.Now}
		rep, _ := job.Run(ctx)
		assert.Equal(t, int64(1), rep["started"])
		assert.Equal(t, int64(1), f.n.Load(), "caches are told")
	})
}
