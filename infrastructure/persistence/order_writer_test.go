package persistence_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

var nextID atomic.Int64

func testOrder(user string, win bool) draw.Order {
	o := draw.Order{
		ID: 1<<40 + nextID.Add(1), ActivityID: 7, StrategyID: 7, // ascending, as snowflakes are
		UserID: user, Day: "2026-11-22", Outcome: draw.OutcomeLose, GrantState: draw.GrantNone,
		MQState: draw.MQNone, CreatedAt: time.Now().UTC(),
	}
	if win {
		o.Outcome, o.PrizeID, o.AwardID, o.AwardName, o.AwardKind = draw.OutcomeWin, 11, 12, "Coupon", "coupon"
		o.GrantState, o.MQState = draw.GrantPending, draw.MQPending
	}
	return o
}

func encoder(o draw.Order) (string, []byte) {
	return "LOTTERY.grant." + o.AwardKind, []byte(fmt.Sprintf(`{"order_id":"%d"}`, o.ID))
}

func count(t *testing.T, env testkit.SQLEnv, table string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, env.DB.Gorm.Table(table).Count(&n).Error)
	return n
}

func TestOrderWriterCommitsConcurrentWritesInBatches(t *testing.T) {
	t.Parallel()
	for _, perRequest := range []bool{false, true} {
		t.Run(fmt.Sprintf("per_request=%v", perRequest), func(t *testing.T) {
			t.Parallel()
			testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
				t.Parallel()
				w, err := persistence.NewOrderWriter(env.DB, persistence.WriterOptions{PerRequest: perRequest, Outbox: encoder})
				require.NoError(t, err)
				defer w.Close()
				repo := persistence.NewOrderRepo(env.DB)
				const writers, each = 32, 20
				var wg sync.WaitGroup
				errs := make(chan error, writers*each)
				for g := 0; g < writers; g++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := 0; i < each; i++ {
							o := testOrder(fmt.Sprintf("u%d", g), i%4 == 0)
							if err := w.Write(context.Background(), o, time.Time{}); err != nil {
								errs <- err
								continue
							}
							got, err := repo.Get(context.Background(), o.ID)
							if err != nil || got.Outcome != o.Outcome {
								errs <- fmt.Errorf("acknowledged order %d not readable: %v", o.ID, err)
							}
						}
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
				assert.Equal(t, int64(writers*each), count(t, env, "orders"))
				assert.Equal(t, int64(writers*each/4), count(t, env, "outbox"), "one outbox row per win")
			})
		})
	}
}

// writerAfterKey is a writer that has written a winning order of user with key.
func writerAfterKey(t *testing.T, env testkit.SQLEnv, user, key string) (*persistence.OrderWriter, draw.Order) {
	t.Helper()
	w, err := persistence.NewOrderWriter(env.DB, persistence.WriterOptions{Outbox: encoder})
	require.NoError(t, err)
	t.Cleanup(w.Close)
	first := testOrder(user, true)
	first.IdempotencyKey = key
	require.NoError(t, w.Write(context.Background(), first, time.Time{}))
	return w, first
}

func TestOrderWriterIsolatesADuplicateKey(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		w, first := writerAfterKey(t, env, "dup", "k1")

		// Many writes at once, one of them reusing the key: only that one fails.
		var wg sync.WaitGroup
		results := make([]error, 40)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o := testOrder(fmt.Sprintf("other%d", i), false)
				if i == 17 {
					o.UserID, o.IdempotencyKey = "dup", "k1"
				}
				results[i] = w.Write(context.Background(), o, time.Time{})
			}()
		}
		wg.Wait()
		for i, err := range results {
			if i == 17 {
				assert.True(t, errors.Is(err, draw.ErrDuplicateKey), "got %v", err)
				assert.True(t, errors.Is(err, draw.ErrNotWritten))
				continue
			}
			assert.NoError(t, err, "write %d", i)
		}
		got, err := persistence.NewOrderRepo(env.DB).ByIdempotencyKey(context.Background(), "dup", "k1")
		require.NoError(t, err)
		assert.Equal(t, first.ID, got.ID)
		assert.Equal(t, int64(1+len(results)-1), count(t, env, "orders"), "the first order and every write but the duplicate")
	})
}

// TestOrderWriterFindsTheDuplicatesOfABatch: in a batch of 256, keys that have orders (one
// in SQL, one repeating another order of the batch) are found with one read and the rest
// written in one more transaction; a duplicate that is no Idempotency-Key (an order id) is
// found by halving the batch, ~2·log₂(256) transactions. Either way every other order is
// written, well within its deadline, and not in 256 transactions.
func TestOrderWriterFindsTheDuplicatesOfABatch(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		spoil      func(b []draw.Order)
		failed     []int
		maxCommits int64
	}{
		"taken keys": {func(b []draw.Order) {
			b[77].UserID, b[77].IdempotencyKey = "dup", "k1"
			b[200].IdempotencyKey, b[201].UserID, b[201].IdempotencyKey = "k2", b[200].UserID, "k2"
		}, []int{77, 201}, 2},
		"an order id": {func(b []draw.Order) { b[100].ID = b[99].ID }, []int{100}, 2*8 + 1},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
				t.Parallel()
				w, _ := writerAfterKey(t, env, "dup", "k1")
				batch := batchOf(256)
				c.spoil(batch)
				errs, commits := w.FlushTogether(batch, time.Now().Add(time.Minute))

				assertOnlyFailed(t, errs, draw.ErrDuplicateKey, c.failed...)
				assert.LessOrEqual(t, commits, c.maxCommits)
				assert.Equal(t, int64(1+256-len(c.failed)), count(t, env, "orders"))
				wins := int64(1) // the first order's
				for i, o := range batch {
					if o.Won() && !slices.Contains(c.failed, i) {
						wins++
					}
				}
				assert.Equal(t, wins, count(t, env, "outbox"), "an outbox entry for every win written")
			})
		})
	}
}

// batchOf is n orders of n users, every fourth a win.
func batchOf(n int) []draw.Order {
	batch := make([]draw.Order, n)
	for i := range batch {
		batch[i] = testOrder(fmt.Sprintf("half%d", i), i%4 == 0)
	}
	return batch
}

// assertOnlyFailed checks that the writes at failed ended with want (not written) and every
// other one succeeded.
func assertOnlyFailed(t *testing.T, errs []error, want error, failed ...int) {
	t.Helper()
	for i, err := range errs {
		if slices.Contains(failed, i) {
			assert.ErrorIs(t, err, want, "order %d", i)
			assert.ErrorIs(t, err, draw.ErrNotWritten, "order %d", i)
			continue
		}
		assert.NoError(t, err, "order %d", i)
	}
}

func TestOrderWriterRefusesExpiredWrites(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		for _, perRequest := range []bool{false, true} {
			w, err := persistence.NewOrderWriter(env.DB, persistence.WriterOptions{PerRequest: perRequest})
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err = w.Write(ctx, testOrder("gone", false), time.Time{})
			assert.True(t, errors.Is(err, draw.ErrNotWritten), "per request %v: got %v", perRequest, err)
			err = w.Write(context.Background(), testOrder("late", false), time.Now().Add(-time.Millisecond))
			assert.True(t, errors.Is(err, draw.ErrNotWritten), "per request %v: got %v", perRequest, err)
			assert.Zero(t, count(t, env, "orders"))

			require.NoError(t, w.Write(context.Background(), testOrder("in-time", false), time.Now().Add(time.Minute)))
			assert.Equal(t, int64(1), count(t, env, "orders"))
			w.Close()
			// A draw still on its way as the server stops is refused, not a panic.
			err = w.Write(context.Background(), testOrder("after-close", false), time.Time{})
			assert.True(t, errors.Is(err, draw.ErrNotWritten), "per request %v: got %v", perRequest, err)
			assert.Equal(t, int64(1), count(t, env, "orders"))
			_, err = env.DB.SQL.Exec("DELETE FROM orders")
			require.NoError(t, err)
		}
	})
}

func TestOrderRepoListsNewestFirst(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		w, err := persistence.NewOrderWriter(env.DB, persistence.WriterOptions{})
		require.NoError(t, err)
		defer w.Close()
		var ids []int64
		for i := 0; i < 5; i++ {
			o := testOrder("lister", i == 2)
			require.NoError(t, w.Write(context.Background(), o, time.Time{}))
			ids = append(ids, o.ID)
		}
		require.NoError(t, w.Write(context.Background(), testOrder("someone-else", false), time.Time{}))
		repo := persistence.NewOrderRepo(env.DB)
		page, err := repo.List(context.Background(), draw.OrderQuery{UserID: "lister", Limit: 3})
		require.NoError(t, err)
		require.Len(t, page, 3)
		assert.Equal(t, []int64{ids[4], ids[3], ids[2]}, []int64{page[0].ID, page[1].ID, page[2].ID})
		assert.Equal(t, draw.OutcomeWin, page[2].Outcome)
		assert.Equal(t, int64(11), page[2].PrizeID)
		rest, err := repo.List(context.Background(), draw.OrderQuery{UserID: "lister", BeforeID: page[2].ID, Limit: 10})
		require.NoError(t, err)
		assert.Len(t, rest, 2)
		_, err = repo.Get(context.Background(), 1)
		assert.ErrorIs(t, err, draw.ErrOrderNotFound)
	})
}

// Committed answers for an order whose commit is still under way only once it ends (on
// MySQL; SQLite has one writer, in the process): admission recovery must never take an
// order that is about to commit for lost.
func TestCommittedWaitsForACommitUnderWay(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		repo := persistence.NewOrderRepo(env.DB)
		ok, err := repo.Committed(ctx, testOrder("nobody", false).ID)
		require.NoError(t, err)
		assert.False(t, ok)
		if env.DB.Dialect != persistence.MySQL {
			return
		}
		for _, commit := range []bool{true, false} {
			assert.Equal(t, commit, committedAfter(ctx, t, env, repo, commit), "commit %v", commit)
		}
	})
}

// committedAfter asks Committed across an open insert of an order (whileInserting), ended
// with commit or rollback, and returns its answer.
func committedAfter(ctx context.Context, t *testing.T, env testkit.SQLEnv, repo *persistence.OrderRepo, commit bool) bool {
	t.Helper()
	o := testOrder("slow", true)
	return whileInserting(ctx, t, env, o, commit, func() (bool, error) { return repo.Committed(ctx, o.ID) }, nil)
}
