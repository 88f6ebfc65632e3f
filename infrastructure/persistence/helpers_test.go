package persistence_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/strategy"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

// newID hands out increasing ids, unique within the test binary.
var lastRepoID atomic.Int64

func newID() int64 { return lastRepoID.Add(1) }

// repoIDs hands newID to repositories, which take a fallible id source.
func repoIDs() (int64, error) { return newID(), nil }

var (
	testBegin = time.Date(2026, 11, 10, 16, 0, 0, 0, time.UTC)
	testEnd   = testBegin.Add(24 * time.Hour)
	testNow   = time.Date(2026, 11, 1, 8, 30, 0, 123456000, time.UTC)
)

func newStrategy(t *testing.T, awardID int64) *strategy.Strategy {
	t.Helper()
	s, err := strategy.New(strategy.ModeRenormalize, []strategy.Prize{
		{ID: newID(), AwardID: awardID, Probability: 10_000, Stock: 100, DailyQuota: 10,
			Release: &strategy.ReleasePlan{Kind: strategy.ReleaseSlots, Slots: []strategy.ReleaseSlot{
				{At: testBegin, Amount: 40}, {At: testBegin.Add(time.Hour), Amount: 60},
			}}},
		{ID: newID(), AwardID: awardID, Probability: 200_000, Stock: 2000, Release: &strategy.ReleasePlan{Kind: strategy.ReleaseEven}},
		{ID: newID(), AwardID: awardID, Probability: 5, Stock: 1},
	})
	require.NoError(t, err)
	return s
}

func newActivity(t *testing.T, createdBy string) *activity.Activity {
	t.Helper()
	a, err := activity.New(newID(), activity.Params{
		Name: "Double 11 wheel", BeginAt: testBegin, EndAt: testEnd, TimeZone: "Asia/Shanghai", Stock: 100_000,
		Limits: activity.Limits{PerUserTotal: 5, PerUserDaily: 1}, Strategy: newStrategy(t, 7),
	}, createdBy, testNow)
	require.NoError(t, err)
	return a
}

// storedActivity stores a draft activity created by alice in env's database.
func storedActivity(t *testing.T, env testkit.SQLEnv) (*persistence.ActivityRepo, *activity.Activity) {
	t.Helper()
	repo := persistence.NewActivityRepo(env.DB, repoIDs)
	a := newActivity(t, "alice")
	require.NoError(t, repo.Create(context.Background(), a))
	return repo, a
}
