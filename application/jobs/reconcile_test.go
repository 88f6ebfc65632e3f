package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/jobs"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/domain/strategy"
	"github.com/lottery-go/lottery/infrastructure/persistence"
)

func TestReconcileReportsDriftAndRepairsOnlyWhenQuiet(t *testing.T) {
	now := time.Now().UTC()
	eachWorld(t, now, func(t *testing.T, w *world) {
		ctx := context.Background()
		a := w.activity(t, now.Add(-time.Hour), now.Add(time.Hour), activity.StateRunning,
			strategy.Prize{Probability: 1000, Stock: 10})
		prize := "pool:" + strconv.FormatInt(a.Strategy().At(0).ID, 10)
		w.load(t, a)
		job, g := w.reconcile(time.Hour)

		rep, err := job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, jobs.Report{"activities": 1, "drifting": 0, "repaired": 0, "retired": 0}, rep, "freshly loaded: equal")

		// A draw admitted but never committed: Redis is one ahead of SQL.
		_, ad := w.admit(t, a, "u1")
		rep, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, jobs.Report{"activities": 1, "drifting": 1, "repaired": 0, "retired": 0}, rep, "in flight: reported only")
		assert.Equal(t, int64(-1), g.get("stock"))
		assert.Zero(t, g.get(prize))

		// Its journal entry vanishes without an undo: now the counters are wrong.
		require.NoError(t, w.ledger.Settle(ctx, []draw.Settlement{{ActivityID: a.ID(), JournalID: ad.JournalID}}))
		rep, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Zero(t, rep["repaired"], "the last admission is too recent to call the activity quiet")

		w.repairedOnceQuiet(t, job, a)
		assert.Zero(t, g.get("stock"))
	})
}

// A prize's wins today, which its daily quota is held to, are compared with SQL too, and
// repaired like the rest when quiet.
func TestReconcileComparesTodaysWinsOfEachPrize(t *testing.T) {
	now := time.Now().UTC()
	eachWorld(t, now, func(t *testing.T, w *world) {
		ctx := context.Background()
		a := w.activity(t, now.Add(-time.Hour), now.Add(time.Hour), activity.StateRunning,
			strategy.Prize{Probability: 1000, Stock: 10, DailyQuota: 5})
		prizeID := strconv.FormatInt(a.Strategy().At(0).ID, 10)
		w.load(t, a)
		job, g := w.reconcile(time.Millisecond)
		rep, err := job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, jobs.Report{"activities": 1, "drifting": 0, "repaired": 0, "retired": 0}, rep)

		// Today's counter of the prize is two ahead of SQL's wins today.
		keys, err := w.redis.Client.Keys(ctx, w.redis.Prefix+"*pd:"+prizeID+":"+a.Day(w.clock.Now())).Result()
		require.NoError(t, err)
		require.Len(t, keys, 1)
		require.NoError(t, w.redis.Client.IncrBy(ctx, keys[0], 2).Err())
		rep, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, jobs.Report{"activities": 1, "drifting": 1, "repaired": 1, "retired": 0}, rep)
		assert.Equal(t, int64(2), g.get("day:"+prizeID))

		w.load(t, a)
		rep, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, jobs.Report{"activities": 1, "drifting": 0, "repaired": 0, "retired": 0}, rep, "rebuilt from SQL")
		assert.Zero(t, g.get("day:"+prizeID))
	})
}

// The users of the latest orders are sampled: a user's counts, which the per-user limits
// are held to, are compared with SQL's and repaired like the rest when quiet.
func TestReconcileComparesSampledUsersCounts(t *testing.T) {
	now := time.Now().UTC()
	eachWorld(t, now, func(t *testing.T, w *world) {
		ctx := context.Background()
		a := w.activity(t, now.Add(-time.Hour), now.Add(time.Hour), activity.StateRunning)
		writer, err := persistence.NewOrderWriter(w.sql.DB, persistence.WriterOptions{})
		require.NoError(t, err)
		for _, user := range []string{"u1", "u2", "u1"} {
			adm, ad := w.admit(t, a, user)
			require.NoError(t, writer.Write(ctx, draw.Order{ID: adm.OrderID, ActivityID: a.ID(), StrategyID: a.ID(), UserID: user,
				Day: adm.Day, Outcome: draw.OutcomeLose, GrantState: draw.GrantNone, MQState: draw.MQNone, CreatedAt: now}, time.Time{}))
			require.NoError(t, w.ledger.Settle(ctx, []draw.Settlement{{ActivityID: a.ID(), JournalID: ad.JournalID}}))
		}
		writer.Close()
		job, g := w.reconcile(time.Millisecond)
		rep, err := job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, jobs.Report{"activities": 1, "drifting": 0, "repaired": 0, "retired": 0}, rep, "committed and settled: equal")

		// u1's counts fall one behind SQL: u1 could draw once more than its limits allow.
		for _, suffix := range []string{"ut", "ud:" + a.Day(w.clock.Now())} {
			keys, err := w.redis.Client.Keys(ctx, w.redis.Prefix+"*:"+suffix).Result()
			require.NoError(t, err)
			require.Len(t, keys, 1, suffix)
			require.NoError(t, w.redis.Client.HIncrBy(ctx, keys[0], "u1", -1).Err())
		}
		job.QuietFor = time.Hour
		rep, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, jobs.Report{"activities": 1, "drifting": 1, "repaired": 0, "retired": 0}, rep)
		assert.Equal(t, int64(1), g.get("users"), "one sampled user differs")

		w.repairedOnceQuiet(t, job, a)
		assert.Zero(t, g.get("users"))
		left, _, err := w.ledger.Quota(ctx, a.ID(), "u1", a.Day(w.clock.Now()), 2, 0)
		require.NoError(t, err)
		assert.Zero(t, left, "u1 has used both chances again")
	})
}

// The blacklist copy is made SQL's at once, quiet or not: a blacklisting whose copy failed
// (its request answered 503) and a removal that crossed a listing are both repaired.
func TestReconcileRepairsTheBlacklistCopy(t *testing.T) {
	now := time.Now().UTC()
	eachWorld(t, now, func(t *testing.T, w *world) {
		ctx := context.Background()
		a := w.activity(t, now.Add(-time.Hour), now.Add(time.Hour), activity.StateRunning)
		w.load(t, a)
		// Users of this activity's own: SQL is shared by the Redis variants of the test.
		bot, ghost := "bot-"+strconv.FormatInt(a.ID(), 10), "ghost-"+strconv.FormatInt(a.ID(), 10)
		require.NoError(t, persistence.NewBlacklistRepo(w.sql.DB).Add(ctx, bot, "scripted")) // never copied
		copyKey := w.redis.Prefix + "{a:" + strconv.FormatInt(a.ID(), 10) + "}:bl"
		require.NoError(t, w.redis.Client.SAdd(ctx, copyKey, ghost).Err()) // unlisted in SQL
		job, g := w.reconcile(time.Hour)
		_, err := job.Run(ctx)
		require.NoError(t, err)
		after, err := w.redis.Client.SMembers(ctx, copyKey).Result()
		require.NoError(t, err)
		assert.Contains(t, after, bot)
		assert.NotContains(t, after, ghost)
		assert.Equal(t, int64(2), g.getOf(a.ID(), "blacklist"))
		_, ad := w.admit(t, a, ghost)
		assert.NotEmpty(t, ad.JournalID, "ghost draws again")
		_, err = w.ledger.Admit(ctx, draw.Admission{OrderID: nextID(), ActivityID: a.ID(), UserID: bot, Day: a.Day(now),
			Candidates: []draw.Candidate{{PrizeID: 0}}})
		assert.ErrorIs(t, err, draw.ErrBlacklisted)
		_, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Zero(t, g.getOf(a.ID(), "blacklist"), "nothing left to repair")
	})
}

// A closed activity's counters leave Redis once its journal is quiet, and the activity
// leaves the set of loaded ones, so the job stops visiting it; what has a TTL is left to
// expire. A running activity stays.
func TestReconcileRetiresClosedActivitiesOnceQuiet(t *testing.T) {
	now := time.Now().UTC()
	eachWorld(t, now, func(t *testing.T, w *world) {
		ctx := context.Background()
		running := w.activity(t, now.Add(-time.Hour), now.Add(time.Hour), activity.StateRunning)
		closed := w.activity(t, now.Add(-time.Hour), now.Add(time.Hour), activity.StateRunning)
		w.load(t, running)
		w.load(t, closed)
		_, ad := w.admit(t, closed, "u1") // still between Redis and SQL at the close
		require.NoError(t, w.activities.Update(ctx, closed.ID(), func(x *activity.Activity) error {
			return x.Transition(activity.ActionClose, activity.Actor{ID: "admin", Admin: true}, now)
		}))
		job, g := w.reconcile(time.Millisecond)

		rep, err := job.Run(ctx)
		require.NoError(t, err)
		assert.Zero(t, rep["retired"], "an admission in flight keeps it")

		require.NoError(t, w.ledger.Settle(ctx, []draw.Settlement{{ActivityID: closed.ID(), JournalID: ad.JournalID}}))
		require.Eventually(t, func() bool {
			rep, err := job.Run(ctx)
			require.NoError(t, err)
			return rep["retired"] == 1
		}, 5*time.Second, 10*time.Millisecond)
		ids, err := w.ledger.Loaded(ctx)
		require.NoError(t, err)
		assert.Equal(t, []int64{running.ID()}, ids)
		assert.Equal(t, 1, g.forgotten, "its drift series go")
		tag := w.redis.Prefix + "{a:" + strconv.FormatInt(closed.ID(), 10) + "}:*"
		iter := w.redis.Client.Scan(ctx, 0, tag, 1000).Iterator()
		for iter.Next(ctx) {
			k := iter.Val()
			ttl, err := w.redis.Client.TTL(ctx, k).Result()
			require.NoError(t, err)
			assert.Positive(t, ttl, "%s has no TTL", k)
		}
		require.NoError(t, iter.Err())

		rep, err = job.Run(ctx)
		require.NoError(t, err)
		assert.Equal(t, jobs.Report{"activities": 1, "drifting": 0, "repaired": 0, "retired": 0}, rep)
	})
}

// reconcile is the reconcile job over w, counting drift in its gauge.
// repairedOnceQuiet waits for job, now quick to call a activity quiet, to repair it, and
// checks that the counters rebuilt from SQL agree with it.
func (w *world) repairedOnceQuiet(t *testing.T, job *jobs.Reconcile, a *activity.Activity) {
	t.Helper()
	ctx := context.Background()
	job.QuietFor = time.Millisecond
	require.Eventually(t, func() bool {
		rep, err := job.Run(ctx)
		require.NoError(t, err)
		return rep["repaired"] == 1
	}, 5*time.Second, 10*time.Millisecond)
	w.load(t, a)
	rep, err := job.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, jobs.Report{"activities": 1, "drifting": 0, "repaired": 0, "retired": 0}, rep, "rebuilt from SQL")
}

func (w *world) reconcile(quietFor time.Duration) (*jobs.Reconcile, *gauge) {
	g := &gauge{}
	return &jobs.Reconcile{Ledger: ledgerPort{w.ledger}, Truth: w.truth, Activities: w.activities, Drift: g,
		QuietFor: quietFor, Now: w.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, g
}

// failingGet fails Get for one activity, as a stored row the code can no longer read
// would, run after run.
type failingGet struct {
	jobs.Activities
	id int64
}

func (f failingGet) Get(ctx context.Context, id int64) (*activity.Activity, error) {
	if id == f.id {
		return nil, errors.New("strategy no longer valid")
	}
	return f.Activities.Get(ctx, id)
}

// An activity the job cannot reconcile is reported, and the activities after it are
// still compared and repaired; the drift reported for a repaired activity clears with the
// next run, not with the next draw.
func TestReconcileGoesOnPastAFailingActivityAndClearsRepairedDrift(t *testing.T) {
	now := time.Now().UTC()
	eachWorld(t, now, func(t *testing.T, w *world) {
		ctx := context.Background()
		bad := w.activity(t, now.Add(-time.Hour), now.Add(time.Hour), activity.StateRunning)
		good := w.activity(t, now.Add(-time.Hour), now.Add(time.Hour), activity.StateRunning)
		require.Less(t, bad.ID(), good.ID(), "the failing one comes first")
		w.load(t, bad)
		w.load(t, good)
		job, g := w.reconcile(time.Millisecond)
		job.Activities = failingGet{Activities: w.activities, id: bad.ID()}

		// good drifts: an admission whose journal entry vanished without an undo.
		_, ad := w.admit(t, good, "u1")
		require.NoError(t, w.ledger.Settle(ctx, []draw.Settlement{{ActivityID: good.ID(), JournalID: ad.JournalID}}))
		var rep jobs.Report
		require.Eventually(t, func() bool {
			var err error
			rep, err = job.Run(ctx)
			require.ErrorContains(t, err, strconv.FormatInt(bad.ID(), 10))
			return rep["repaired"] == 1
		}, 5*time.Second, 10*time.Millisecond)
		assert.Equal(t, int64(1), rep["activities"])
		assert.Equal(t, int64(-1), g.getOf(good.ID(), "stock"), "the drift the repair was for")

		// Nobody draws: the counters stay unloaded, and the drift reported clears.
		_, err := job.Run(ctx)
		require.Error(t, err)
		assert.Zero(t, g.getOf(good.ID(), "stock"))
	})
}
