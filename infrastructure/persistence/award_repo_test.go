package persistence_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

func newAward(t *testing.T, kind award.Kind, c award.Content) *award.Award {
	t.Helper()
	a, err := award.New(newID(), "Prize", kind, c, testNow)
	require.NoError(t, err)
	return a
}

func TestAwardRepo(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewAwardRepo(env.DB)
		coupon := newAward(t, award.KindCoupon, award.Content{WebhookURL: "https://x.example/c", TemplateID: "T1"})
		points := newAward(t, award.KindPoints, award.Content{Points: 100})
		for _, a := range []*award.Award{coupon, points} {
			require.NoError(t, repo.Create(ctx, a))
		}

		got, err := repo.Get(ctx, coupon.ID())
		require.NoError(t, err)
		assert.Equal(t, coupon.Content(), got.Content())
		assert.Equal(t, award.KindCoupon, got.Kind())
		assert.True(t, testNow.Equal(got.CreatedAt()))

		page, err := repo.List(ctx, 0, 1)
		require.NoError(t, err)
		require.Len(t, page, 1)
		assert.Equal(t, coupon.ID(), page[0].ID())
		page, err = repo.List(ctx, coupon.ID(), 10)
		require.NoError(t, err)
		require.Len(t, page, 1)
		assert.Equal(t, points.ID(), page[0].ID())

		require.NoError(t, repo.Update(ctx, points.ID(), func(a *award.Award, givenBy []int64) error {
			assert.Empty(t, givenBy)
			return a.Update("More points", award.Content{Points: 500})
		}))
		got, err = repo.Get(ctx, points.ID())
		require.NoError(t, err)
		assert.Equal(t, "More points", got.Name())
		assert.Equal(t, int64(500), got.Content().Points)

		_, err = repo.Get(ctx, 1<<60)
		assert.ErrorIs(t, err, award.ErrNotFound)
		assert.ErrorIs(t, repo.Update(ctx, 1<<60, func(*award.Award, []int64) error { return nil }), award.ErrNotFound)
	})
}

// TestAwardEditAndSubmitTakeTurns holds an award's edit open while an activity giving the
// award is submitted: the submit waits for the edit (on MySQL for the award's row, on
// SQLite for the database's write lock), and the next edit is told the activity gives
// the award.
func TestAwardEditAndSubmitTakeTurns(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		awards := persistence.NewAwardRepo(env.DB)
		activities := persistence.NewActivityRepo(env.DB, repoIDs)
		prize := newAward(t, award.KindPoints, award.Content{Points: 10})
		require.NoError(t, awards.Create(ctx, prize))
		a, err := activity.New(newID(), activity.Params{
			Name: "Wheel", BeginAt: testBegin, EndAt: testEnd, TimeZone: "UTC", Stock: 100_000,
			Strategy: newStrategy(t, prize.ID()),
		}, "alice", testNow)
		require.NoError(t, err)
		require.NoError(t, activities.Create(ctx, a))

		submitted := make(chan error, 1)
		err = awards.Update(ctx, prize.ID(), func(aw *award.Award, givenBy []int64) error {
			assert.Empty(t, givenBy, "a draft does not count")
			go func() {
				submitted <- activities.Transition(ctx, a.ID(), func(a *activity.Activity) (activity.TrailEntry, error) {
					return activity.TrailEntry{Action: activity.ActionSubmit, From: a.State(), To: activity.StatePendingReview, Actor: "alice", At: testNow},
						a.Transition(activity.ActionSubmit, activity.Actor{ID: "alice", Marketer: true}, testNow)
				})
			}()
			if env.Name == "mysql" { // SQLite's write lock serialises them: givenBy below tells
				waitForAwardLock(t, env)
				select {
				case <-submitted:
					t.Error("the activity was submitted while its award's edit was open")
				default:
				}
			}
			return aw.Update("Ten points", award.Content{Points: 10})
		})
		require.NoError(t, err)
		require.NoError(t, <-submitted)

		err = awards.Update(ctx, prize.ID(), func(_ *award.Award, givenBy []int64) error {
			assert.Equal(t, []int64{a.ID()}, givenBy)
			return nil
		})
		require.NoError(t, err)
	})
}

// waitForAwardLock waits until a connection to the test's database is in a locking read
// of the awards, which the open edit holds up.
func waitForAwardLock(t *testing.T, env testkit.SQLEnv) {
	t.Helper()
	require.Eventually(t, func() bool {
		var n int
		err := env.DB.SQL.QueryRow(`SELECT COUNT(*) FROM information_schema.PROCESSLIST
			WHERE db = DATABASE() AND id <> CONNECTION_ID() AND info LIKE '%FROM awards%LOCK IN SHARE MODE%'`).Scan(&n)
		return err == nil && n > 0
	}, 10*time.Second, 5*time.Millisecond, "the submit did not ask for a lock on its awards")
}

func TestRedeemCodesCountDuplicates(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewAwardRepo(env.DB)
		a := newAward(t, award.KindRedeemCode, award.Content{})
		other := newAward(t, award.KindRedeemCode, award.Content{})

		added, err := repo.AddCodes(ctx, a.ID(), []string{"A", "B", "C"})
		require.NoError(t, err)
		assert.Equal(t, award.CodesAdded{Added: 3}, added)
		added, err = repo.AddCodes(ctx, a.ID(), []string{"C", "D", "a"})
		require.NoError(t, err)
		assert.Equal(t, award.CodesAdded{Added: 2, Duplicates: 1}, added, "codes are case-sensitive")
		added, err = repo.AddCodes(ctx, other.ID(), []string{"A", "E"})
		require.NoError(t, err)
		assert.Equal(t, award.CodesAdded{Added: 1, HeldElsewhere: 1}, added, "a code is in one pool only")
	})
}

// TestConcurrentUploadsAddEachCodeOnce uploads overlapping batches at once, more than one
// INSERT batch each: the unique key, not a prior lookup, decides. It repeats over several
// awards because the lost rows it guards against (a server dropping rows of a multi-row
// upsert after a lock wait) showed in about one round in a hundred.
func TestConcurrentUploadsAddEachCodeOnce(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		repo := persistence.NewAwardRepo(env.DB)
		rounds := 10
		if env.Name == "sqlite" { // one writer at a time: the rounds would only repeat
			rounds = 1
		}
		for round := range rounds {
			a := newAward(t, award.KindRedeemCode, award.Content{})
			added, dups := uploadOverlapping(t, repo, a.ID())
			const distinct = (codeUploads + 1) * codeUploadSize / 2
			assert.Equal(t, distinct, added, "round %d", round)
			assert.Equal(t, codeUploads*codeUploadSize-distinct, dups, "round %d", round)
			var stored int64
			require.NoError(t, env.DB.Gorm.Table("redeem_codes").Where("award_id = ?", a.ID()).Count(&stored).Error)
			require.Equal(t, int64(distinct), stored, "round %d", round)
		}
	})
}

// TestConcurrentUploadsToTwoAwardsStoreACodeOnce uploads one merchant file to two awards
// at once, several times over: each code ends in one pool, and every upload accounts for
// each of its codes as added, duplicate or held by the other award.
func TestConcurrentUploadsToTwoAwardsStoreACodeOnce(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		repo := persistence.NewAwardRepo(env.DB)
		pools := []*award.Award{newAward(t, award.KindRedeemCode, award.Content{}), newAward(t, award.KindRedeemCode, award.Content{})}
		codes := make([]string, 2500) // more than one INSERT batch
		for i := range codes {
			codes[i] = fmt.Sprintf("FILE-%05d", i)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		added := 0
		for u := range 6 {
			wg.Go(func() {
				got, err := repo.AddCodes(context.Background(), pools[u%2].ID(), codes)
				assert.NoError(t, err)
				assert.Equal(t, len(codes), got.Added+got.Duplicates+got.HeldElsewhere, "upload %d: %+v", u, got)
				mu.Lock()
				added += got.Added
				mu.Unlock()
			})
		}
		wg.Wait()
		assert.Equal(t, len(codes), added)
		var shared int64
		require.NoError(t, env.DB.SQL.QueryRow(
			"SELECT COUNT(*) FROM (SELECT code FROM redeem_codes GROUP BY code HAVING COUNT(*) > 1) d").Scan(&shared))
		assert.Zero(t, shared, "codes stored in both pools")
	})
}

const codeUploads, codeUploadSize = 4, 1500

// uploadOverlapping runs codeUploads uploads at once, each sharing half its codes with the
// next, and sums what they report.
func uploadOverlapping(t *testing.T, repo *persistence.AwardRepo, awardID int64) (added, dups int) {
	// Codes are the award's own: another award's codes would be refused as held elsewhere.
	var wg sync.WaitGroup
	var mu sync.Mutex
	for u := range codeUploads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes := make([]string, codeUploadSize)
			for i := range codes {
				codes[i] = fmt.Sprintf("CODE-%d-%05d", awardID, u*codeUploadSize/2+i)
			}
			got, err := repo.AddCodes(context.Background(), awardID, codes)
			assert.NoError(t, err)
			mu.Lock()
			added, dups = added+got.Added, dups+got.Duplicates
			mu.Unlock()
		}()
	}
	wg.Wait()
	return added, dups
}
