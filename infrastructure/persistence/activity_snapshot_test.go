package persistence_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/strategy"
	"github.com/lottery-go/lottery/internal/testkit"
)

// TestActivityIsReadAsOneVersion edits an activity's name and prizes together over and
// over while others read it: every read shows one edit's name with that edit's prizes,
// never a mix of two, and never an activity without its prizes.
func TestActivityIsReadAsOneVersion(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo, a := storedActivity(t, env)
		edit := func(k int64) {
			err := repo.Update(ctx, a.ID(), func(x *activity.Activity) error {
				p := x.Params()
				p.Name = strconv.FormatInt(k, 10)
				s, err := strategy.New(strategy.ModeFixed, []strategy.Prize{
					{ID: newID(), AwardID: 7, Probability: 10_000, Stock: k},
					{ID: newID(), AwardID: 7, Probability: 20_000, Stock: k},
				})
				require.NoError(t, err)
				p.Strategy = s
				return x.Update(p, "alice", testNow)
			})
			require.NoError(t, err)
		}
		edit(1)

		const edits, readers = 60, 3
		var wg sync.WaitGroup
		done := make(chan struct{})
		for range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-done:
						return
					default:
					}
					got, err := repo.Get(ctx, a.ID())
					if !assert.NoError(t, err) {
						return
					}
					k, _ := strconv.ParseInt(got.Name(), 10, 64)
					prizes := got.Strategy().Prizes()
					if !assert.Len(t, prizes, 2, "version %d", got.Version()) {
						return
					}
					for _, p := range prizes {
						if !assert.Equal(t, k, p.Stock, "name and prizes of one edit") {
							return
						}
					}
				}
			}()
		}
		for k := int64(2); k <= edits; k++ {
			edit(k)
		}
		close(done)
		wg.Wait()
	})
}
