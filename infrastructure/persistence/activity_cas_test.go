package persistence_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/internal/testkit"
)

// TestStaleWriterLosesTheCompareAndSet interleaves two writers by hand: the first loads,
// the second loads, changes and stores, then the first tries to store.
func TestStaleWriterLosesTheCompareAndSet(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo, a := storedActivity(t, env)
		marketer := activity.Actor{ID: "alice", Marketer: true}

		err := repo.Transition(ctx, a.ID(), func(stale *activity.Activity) (activity.TrailEntry, error) {
			submit(t, repo, a.ID(), marketer) // the other writer wins meanwhile
			require.NoError(t, stale.Transition(activity.ActionSubmit, marketer, testNow))
			return activity.TrailEntry{Action: activity.ActionSubmit, Actor: "alice", At: testNow}, nil
		})
		require.ErrorIs(t, err, activity.ErrConcurrentChange)

		got, err := repo.Get(ctx, a.ID())
		require.NoError(t, err)
		assert.Equal(t, int64(2), got.Version(), "only the winner stored")
		trail, err := repo.Trail(ctx, a.ID())
		require.NoError(t, err)
		assert.Len(t, trail, 1, "the loser left no trail entry")
	})
}

// TestConcurrentTransitionsHaveOneWinner races goroutines that all submit the same draft:
// exactly one succeeds; every other one either lost the compare-and-set or, having loaded
// after the winner, found the transition illegal.
func TestConcurrentTransitionsHaveOneWinner(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo, a := storedActivity(t, env)

		const writers = 12
		errs := make([]error, writers)
		var start, done sync.WaitGroup
		start.Add(1)
		for i := range writers {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				errs[i] = repo.Transition(ctx, a.ID(), func(x *activity.Activity) (activity.TrailEntry, error) {
					from := x.State()
					err := x.Transition(activity.ActionSubmit, activity.Actor{ID: "alice", Marketer: true}, testNow)
					return activity.TrailEntry{Action: activity.ActionSubmit, From: from, To: x.State(), Actor: "alice", At: testNow}, err
				})
			}()
		}
		start.Done()
		done.Wait()

		var won int
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, activity.ErrConcurrentChange), errors.Is(err, activity.ErrIllegalTransition):
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		assert.Equal(t, 1, won)
		got, err := repo.Get(ctx, a.ID())
		require.NoError(t, err)
		assert.Equal(t, activity.StatePendingReview, got.State())
		assert.Equal(t, int64(2), got.Version())
		trail, err := repo.Trail(ctx, a.ID())
		require.NoError(t, err)
		require.Len(t, trail, 1)
		assert.Equal(t, activity.StateDraft, trail[0].From)
		assert.Equal(t, activity.StatePendingReview, trail[0].To)
	})
}

// TestConcurrentEditsLoseNoUpdate: every edit that reports success is counted in the
// version, so none was silently overwritten.
func TestConcurrentEditsLoseNoUpdate(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo, a := storedActivity(t, env)

		const writers = 10
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := repo.Update(ctx, a.ID(), func(x *activity.Activity) error {
					p := x.Params()
					p.Stock++
					return x.Update(p, "alice", testNow)
				})
				if err != nil {
					assert.ErrorIs(t, err, activity.ErrConcurrentChange)
					return
				}
				mu.Lock()
				won++
				mu.Unlock()
			}()
		}
		wg.Wait()
		got, err := repo.Get(ctx, a.ID())
		require.NoError(t, err)
		assert.GreaterOrEqual(t, won, 1)
		assert.Equal(t, int64(1+won), got.Version())
		assert.Equal(t, a.Stock()+int64(won), got.Stock(), "each stored edit saw the one before")
	})
}
