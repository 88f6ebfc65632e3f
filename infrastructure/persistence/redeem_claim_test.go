package persistence_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

func poolWithCodes(t *testing.T, env testkit.SQLEnv, n int) int64 {
	t.Helper()
	ctx := context.Background()
	awards := persistence.NewAwardRepo(env.DB)
	a, err := award.New(newID(), "code", award.KindRedeemCode, award.Content{}, time.Now())
	require.NoError(t, err)
	require.NoError(t, awards.Create(ctx, a))
	codes := make([]string, n)
	for i := range codes {
		codes[i] = fmt.Sprintf("CODE-%03d", i)
	}
	added, err := awards.AddCodes(ctx, a.ID(), codes)
	require.NoError(t, err)
	require.Equal(t, n, added.Added)
	return a.ID()
}

func TestClaimGivesEveryCodeOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		const codes, orders = 50, 64
		awardID := poolWithCodes(t, env, codes)
		pool := persistence.NewCodePool(env.DB)
		var mu sync.Mutex
		byOrder := map[int64]string{}
		empty := 0
		var wg sync.WaitGroup
		for i := range orders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				orderID := int64(1000 + i)
				code, err := pool.Claim(context.Background(), awardID, orderID, time.Now())
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					assert.ErrorIs(t, err, award.ErrPoolEmpty)
					empty++
					return
				}
				byOrder[orderID] = code
			}()
		}
		wg.Wait()
		assert.Equal(t, orders-codes, empty)
		seen := map[string]bool{}
		for _, c := range byOrder {
			assert.False(t, seen[c], "code %s given twice", c)
			seen[c] = true
		}
		assert.Len(t, seen, codes)
		for id, code := range byOrder {
			again, err := pool.Claim(context.Background(), awardID, id, time.Now())
			require.NoError(t, err)
			assert.Equal(t, code, again, "the same order gets the same code")
		}
	})
}

func TestConcurrentClaimsOfOneOrderShareTheCode(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		awardID := poolWithCodes(t, env, 20)
		pool := persistence.NewCodePool(env.DB)
		got := make([]string, 8)
		var wg sync.WaitGroup
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, err := pool.Claim(context.Background(), awardID, 77, time.Now())
				assert.NoError(t, err)
				got[i] = code
			}()
		}
		wg.Wait()
		for _, c := range got {
			assert.Equal(t, got[0], c)
		}
		var claimed int64
		require.NoError(t, env.DB.Gorm.Raw(`SELECT COUNT(*) FROM redeem_codes WHERE order_id IS NOT NULL`).Scan(&claimed).Error)
		assert.Equal(t, int64(1), claimed)
	})
}
