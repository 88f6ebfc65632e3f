package persistence_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

		require.NoError(t, repo.Update(ctx, points.ID(), func(a *award.Award) error {
			return a.Update("More points", award.Content{Points: 500})
		}))
		got, err = repo.Get(ctx, points.ID())
		require.NoError(t, err)
		assert.Equal(t, "More points", got.Name())
		assert.Equal(t, int64(500), got.Content().Points)

		_, err = repo.Get(ctx, 1<<60)
		assert.ErrorIs(t, err, award.ErrNotFound)
		assert.ErrorIs(t, repo.Update(ctx, 1<<60, func(*award.Award) error { return nil }), award.ErrNotFound)
	})
}

func TestRedeemCodesCountDuplicates(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewAwardRepo(env.DB)
		a := newAward(t, award.KindRedeemCode, award.Content{})
		other := newAward(t, award.KindRedeemCode, award.Content{})

		added, dups, err := repo.AddCodes(ctx, a.ID(), []string{"A", "B", "C"})
		require.NoError(t, err)
		assert.Equal(t, [2]int{3, 0}, [2]int{added, dups})
		added, dups, err = repo.AddCodes(ctx, a.ID(), []string{"C", "D", "a"})
		require.NoError(t, err)
		assert.Equal(t, [2]int{2, 1}, [2]int{added, dups}, "codes are case-sensitive")
		added, dups, err = repo.AddCodes(ctx, other.ID(), []string{"A"})
		require.NoError(t, err)
		assert.Equal(t, [2]int{1, 0}, [2]int{added, dups}, "pools are per award")
	})
}

// TestConcurrentUploadsAddEachCodeOnce uploads overlapping batches at once, more than one
// INSERT batch each: the unique key, not a prior lookup, decides.
func TestConcurrentUploadsAddEachCodeOnce(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewAwardRepo(env.DB)
		a := newAward(t, award.KindRedeemCode, award.Content{})
		const uploads, size = 4, 1500
		var wg sync.WaitGroup
		var mu sync.Mutex
		totalAdded, totalDups := 0, 0
		for u := range uploads {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes := make([]string, size)
				for i := range codes {
					codes[i] = fmt.Sprintf("CODE-%05d", u*size/2+i) // half overlaps the next upload
				}
				added, dups, err := repo.AddCodes(ctx, a.ID(), codes)
				assert.NoError(t, err)
				mu.Lock()
				totalAdded, totalDups = totalAdded+added, totalDups+dups
				mu.Unlock()
			}()
		}
		wg.Wait()
		distinct := (uploads + 1) * size / 2
		assert.Equal(t, distinct, totalAdded)
		assert.Equal(t, uploads*size-distinct, totalDups)
		var stored int64
		require.NoError(t, env.DB.Gorm.Table("redeem_codes").Where("award_id = ?", a.ID()).Count(&stored).Error)
		assert.Equal(t, int64(distinct), stored)
	})
}
