package persistence_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
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
		repo := persistence.NewActivityRepo(env.DB, newID)
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
			return x.Update(p, testNow)
		})
		require.NoError(t, err)
		got, err := repo.Get(ctx, a.ID())
		require.NoError(t, err)
		assert.Equal(t, "Renamed", got.Name())
		assert.Equal(t, int64(2), got.Version())
		assert.Equal(t, replacement.Prizes()[0].ID, got.Strategy().Prizes()[0].ID)
		assert.Equal(t, int64(9), got.Strategy().Prizes()[0].AwardID)

		boom := errors.New("boom")
		err = repo.Update(ctx, a.ID(), func(x *activity.Activity) error {
			p := x.Params()
			p.Name = "Never stored"
			require.NoError(t, x.Update(p, testNow))
			return boom
		})
		assert.ErrorIs(t, err, boom)
		got, err = repo.Get(ctx, a.ID())
		require.NoError(t, err)
		assert.Equal(t, "Renamed", got.Name())
		assert.Equal(t, int64(2), got.Version())
	})
}
