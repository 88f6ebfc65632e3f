package persistence_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestActivityRoundTrip(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo, a := storedActivity(t, env)

		got, err := repo.Get(ctx, a.ID())
		require.NoError(t, err)
		assert.Equal(t, a.Name(), got.Name())
		assert.Equal(t, activity.KindLottery, got.Kind())
		assert.True(t, a.BeginAt().Equal(got.BeginAt()))
		assert.True(t, a.EndAt().Equal(got.EndAt()))
		assert.True(t, testNow.Equal(got.CreatedAt()), "microseconds survive")
		assert.Equal(t, "Asia/Shanghai", got.Location().String())
		assert.Equal(t, a.Stock(), got.Stock())
		assert.Equal(t, a.Limits(), got.Limits())
		assert.Equal(t, activity.StateDraft, got.State())
		assert.Equal(t, "alice", got.CreatedBy())
		assert.Equal(t, int64(1), got.Version())
		assert.Equal(t, a.Strategy().Mode(), got.Strategy().Mode())
		var strategyID int64
		require.NoError(t, env.DB.Gorm.Raw(`SELECT id FROM strategies WHERE activity_id = ?`, a.ID()).Scan(&strategyID).Error)
		assert.NotZero(t, strategyID)
		assert.Equal(t, strategyID, a.Strategy().ID(), "the stored row's id, known once stored")
		assert.Equal(t, strategyID, got.Strategy().ID(), "and once loaded")
		want, have := a.Strategy().Prizes(), got.Strategy().Prizes()
		require.Len(t, have, len(want))
		for i := range want {
			assert.Equal(t, want[i].ID, have[i].ID)
			assert.Equal(t, want[i].Probability, have[i].Probability)
			assert.Equal(t, want[i].DailyQuota, have[i].DailyQuota)
			if want[i].Release == nil {
				assert.Nil(t, have[i].Release)
				continue
			}
			assert.Equal(t, want[i].Release.Kind, have[i].Release.Kind)
			for j, s := range want[i].Release.Slots {
				assert.True(t, s.At.Equal(have[i].Release.Slots[j].At))
				assert.Equal(t, s.Amount, have[i].Release.Slots[j].Amount)
			}
		}

		_, err = repo.Get(ctx, 1<<60)
		assert.ErrorIs(t, err, activity.ErrNotFound)
		err = repo.Update(ctx, 1<<60, func(*activity.Activity) error { return nil })
		assert.ErrorIs(t, err, activity.ErrNotFound)
	})
}

func TestActivityList(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewActivityRepo(env.DB, repoIDs)
		var ids []int64
		for range 4 {
			a := newActivity(t, "alice")
			require.NoError(t, repo.Create(ctx, a))
			ids = append(ids, a.ID())
		}
		submit(t, repo, ids[1], activity.Actor{ID: "alice", Marketer: true})

		page, err := repo.List(ctx, activity.Filter{Limit: 2})
		require.NoError(t, err)
		assert.Equal(t, ids[:2], idsOf(page))
		page, err = repo.List(ctx, activity.Filter{After: ids[1], Limit: 10})
		require.NoError(t, err)
		assert.Equal(t, ids[2:], idsOf(page))
		page, err = repo.List(ctx, activity.Filter{State: activity.StateDraft, Limit: 10})
		require.NoError(t, err)
		assert.Equal(t, []int64{ids[0], ids[2], ids[3]}, idsOf(page))
		assert.Equal(t, 3, page[1].Strategy().Len(), "prizes are loaded with the page")
	})
}

func idsOf(as []*activity.Activity) []int64 {
	out := make([]int64, len(as))
	for i, a := range as {
		out[i] = a.ID()
	}
	return out
}

func submit(t *testing.T, repo *persistence.ActivityRepo, id int64, by activity.Actor) {
	t.Helper()
	err := repo.Transition(context.Background(), id, func(a *activity.Activity) (activity.TrailEntry, error) {
		from := a.State()
		err := a.Transition(activity.ActionSubmit, by, testNow)
		return activity.TrailEntry{Action: activity.ActionSubmit, From: from, To: a.State(), Actor: by.ID, At: testNow}, err
	})
	require.NoError(t, err)
}

func TestActivityUpdateReplacesTheStrategy(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo, a := storedActivity(t, env)
		replacement := newStrategy(t, 9)

		err := repo.Update(ctx, a.ID(), func(x *activity.Activity) error {
			p := x.Params()
			p.Name, p.Strategy = "Renamed", replacement
			return x.Update(p, "bob", testNow)
		})
		require.NoError(t, err)
		got, err := repo.Get(ctx, a.ID())
		require.NoError(t, err)
		assert.Equal(t, "Renamed", got.Name())
		assert.Equal(t, "bob", got.EditedBy(), "who edited it may not review it")
		assert.Equal(t, int64(2), got.Version())
		assert.Equal(t, replacement.Prizes()[0].ID, got.Strategy().Prizes()[0].ID)
		assert.NotEqual(t, a.Strategy().ID(), got.Strategy().ID(), "a new strategy, a new id")
		assert.Equal(t, replacement.ID(), got.Strategy().ID())
		assert.Equal(t, int64(9), got.Strategy().Prizes()[0].AwardID)

		boom := errors.New("boom")
		err = repo.Update(ctx, a.ID(), func(x *activity.Activity) error {
			p := x.Params()
			p.Name = "Never stored"
			require.NoError(t, x.Update(p, "alice", testNow))
			return boom
		})
		assert.ErrorIs(t, err, boom)
		got, err = repo.Get(ctx, a.ID())
		require.NoError(t, err)
		assert.Equal(t, "Renamed", got.Name())
		assert.Equal(t, int64(2), got.Version())
	})
}

// TestActivityWindowAtTheAcceptedLimits stores activities whose window spans the widest
// range the domain accepts, in zones east and west of UTC, and reads them back one by one
// and listed: both backends keep these times, and JSON can show them in their zone.
func TestActivityWindowAtTheAcceptedLimits(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewActivityRepo(env.DB, repoIDs)
		for _, zone := range []string{"UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"} {
			loc, err := time.LoadLocation(zone)
			require.NoError(t, err)
			first := func(l *time.Location) time.Time { return time.Date(activity.EarliestYear, 1, 1, 0, 0, 0, 0, l) }
			last := func(l *time.Location) time.Time {
				return time.Date(activity.LatestYear, 12, 31, 23, 59, 59, 999_999_000, l)
			}
			begin, end := first(time.UTC), last(time.UTC)
			if b := first(loc); b.After(begin) {
				begin = b
			}
			if e := last(loc); e.Before(end) {
				end = e
			}
			p := activity.Params{Name: "Widest " + zone, BeginAt: begin, EndAt: end, TimeZone: zone, Stock: 1,
				Strategy: newStrategy(t, 7)}
			a, err := activity.New(newID(), p, "alice", testNow)
			require.NoError(t, err, zone)
			require.NoError(t, repo.Create(ctx, a))

			got, err := repo.Get(ctx, a.ID())
			require.NoError(t, err, zone)
			assert.True(t, begin.Equal(got.BeginAt()), "%s: %s", zone, got.BeginAt())
			assert.True(t, end.Equal(got.EndAt()), "%s: %s", zone, got.EndAt())
			for _, at := range []time.Time{got.BeginAt(), got.EndAt()} {
				_, err := at.In(got.Location()).MarshalJSON()
				assert.NoError(t, err, zone)
			}

			p.BeginAt, p.EndAt = begin.Add(-time.Microsecond), end.Add(time.Microsecond)
			_, err = activity.New(newID(), p, "alice", testNow)
			assert.Len(t, check.Problems(err), 2, "%s: a microsecond beyond is refused", zone)
		}
		page, err := repo.List(ctx, activity.Filter{Limit: 10})
		require.NoError(t, err)
		assert.Len(t, page, 3)
	})
}
