package persistence_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/idgen"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestOrderSearchFiltersNewestFirst(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		w, err := persistence.NewOrderWriter(env.DB, persistence.WriterOptions{Outbox: encoder})
		require.NoError(t, err)
		var all []draw.Order // in the order written: ids ascending, a minute apart
		base := time.Date(2026, 11, 11, 8, 0, 0, 0, time.UTC)
		for i, spec := range []struct {
			user     string
			activity int64
			win      bool
		}{{"ann", 7, true}, {"bob", 7, false}, {"ann", 8, true}, {"ann", 7, false}, {"bob", 8, true}} {
			o := testOrder(spec.user, spec.win)
			o.ActivityID = spec.activity
			o.CreatedAt = base.Add(time.Duration(i) * time.Minute)
			o.ID = idgen.FloorAt(o.CreatedAt) + int64(i) // made at its draw time, as the draw path does
			if spec.user == "bob" && spec.win {
				o.AwardKind = "physical"
			}
			require.NoError(t, w.Write(ctx, o, time.Time{}), "order %d", i)
			all = append(all, o)
		}
		w.Close()
		require.NoError(t, persistence.NewGrantRepo(env.DB).Fail(ctx, all[2].ID, "webhook answered 410", time.Now()))
		require.NoError(t, persistence.NewGrantRepo(env.DB).Fail(ctx, all[0].ID, "no code left", time.Now()))
		repo := persistence.NewOrderRepo(env.DB)
		search := func(q draw.OrderSearch) []int64 {
			t.Helper()
			if q.Limit == 0 {
				q.Limit = 10
			}
			return searchIDs(t, repo, q)
		}
		id := func(i ...int) []int64 {
			out := make([]int64, len(i))
			for k, n := range i {
				out[k] = all[n].ID
			}
			return out
		}
		assert.Equal(t, id(4, 3, 2, 1, 0), search(draw.OrderSearch{}), "everything, newest first")
		assert.Equal(t, id(3, 1, 0), search(draw.OrderSearch{ActivityID: 7}))
		assert.Equal(t, id(3, 2, 0), search(draw.OrderSearch{UserID: "ann"}))
		assert.Equal(t, id(3, 0), search(draw.OrderSearch{ActivityID: 7, UserID: "ann"}))
		assert.Equal(t, id(4, 2, 0), search(draw.OrderSearch{Outcome: draw.OutcomeWin}))
		assert.Equal(t, id(2, 0), search(draw.OrderSearch{GrantState: draw.GrantFailed}), "failed grants, from their own list")
		assert.Equal(t, id(0), search(draw.OrderSearch{ActivityID: 7, GrantState: draw.GrantFailed}))
		assert.Equal(t, id(0), search(draw.OrderSearch{GrantState: draw.GrantFailed, BeforeID: all[2].ID}), "a page below a cursor")
		assert.Equal(t, id(2), search(draw.OrderSearch{GrantState: draw.GrantFailed, Limit: 1}))
		assert.Empty(t, search(draw.OrderSearch{UserID: "bob", GrantState: draw.GrantFailed}))
		assert.Equal(t, id(2), search(draw.OrderSearch{GrantState: draw.GrantFailed, DrawnAfter: base.Add(time.Minute)}))
		assert.Equal(t, id(4), search(draw.OrderSearch{ActivityID: 8, GrantState: draw.GrantPending}))
		assert.Equal(t, id(3, 2), search(draw.OrderSearch{BeforeID: all[4].ID, Limit: 2}), "a page below a cursor")
		assert.Empty(t, search(draw.OrderSearch{UserID: "nobody"}))
		assert.Equal(t, id(4), search(draw.OrderSearch{AwardKind: "physical"}))
		assert.Equal(t, id(2, 0), search(draw.OrderSearch{AwardKind: "coupon"}))
		assert.Equal(t, id(3, 2), search(draw.OrderSearch{DrawnAfter: base.Add(2 * time.Minute), DrawnBefore: base.Add(4 * time.Minute)}),
			"from the third draw's minute, up to the fifth's")

		failed, err := repo.Search(ctx, draw.OrderSearch{GrantState: draw.GrantFailed, Limit: 1})
		require.NoError(t, err)
		require.Len(t, failed, 1)
		assert.Equal(t, "webhook answered 410", failed[0].GrantError, "the operators' reason")
	})
}

func TestGrantReopenPutsAFailedGrantBackOnItsWay(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		wins := writeWins(t, env, 2, now.Add(-time.Hour))
		o, pending := wins[0], wins[1]
		grants, orders := persistence.NewGrantRepo(env.DB), persistence.NewOrderRepo(env.DB)
		require.NoError(t, grants.Fail(ctx, o.ID, "no redeem code is left", now))

		listed, err := orders.Search(ctx, draw.OrderSearch{GrantState: draw.GrantFailed, Limit: 10})
		require.NoError(t, err)
		assert.Equal(t, []int64{o.ID}, orderIDs(listed), "listed among the failed grants")

		require.NoError(t, grants.Reopen(ctx, o.ID, "ada", "LOTTERY.grant.coupon", []byte(`{"order_id":"again"}`), now))
		listed, err = orders.Search(ctx, draw.OrderSearch{GrantState: draw.GrantFailed, Limit: 10})
		require.NoError(t, err)
		assert.Empty(t, listed, "no longer among the failed grants")
		var left int64
		require.NoError(t, env.DB.Gorm.Raw(`SELECT COUNT(*) FROM failed_grants`).Scan(&left).Error)
		assert.Zero(t, left, "its row went with the retry")
		got, err := orders.Get(ctx, o.ID)
		require.NoError(t, err)
		assert.Equal(t, draw.GrantPending, got.GrantState)
		assert.Empty(t, got.GrantError)
		mq, entry := mqState(t, env, o.ID)
		assert.Equal(t, [2]string{"pending", "pending"}, [2]string{mq, entry})

		due, err := persistence.NewOutboxRepo(env.DB).Overdue(ctx, now.Add(time.Minute), now.Add(time.Second), 10)
		require.NoError(t, err)
		require.Len(t, due, 2, "compensation finds the reopened entry once stale, beside the pending win")
		for _, e := range due {
			if e.OrderID == o.ID {
				assert.Equal(t, `{"order_id":"again"}`, string(e.Payload))
			}
		}

		retries, err := grants.Retries(ctx, o.ID)
		require.NoError(t, err)
		require.Len(t, retries, 1)
		assert.Equal(t, draw.GrantRetry{By: "ada", At: now, PreviousError: "no redeem code is left"}, retries[0])

		require.ErrorIs(t, grants.Reopen(ctx, o.ID, "ada", "s", nil, now), draw.ErrGrantNotFailed, "pending again: not failed")
		require.ErrorIs(t, grants.Reopen(ctx, pending.ID, "ada", "s", nil, now), draw.ErrGrantNotFailed)
		require.ErrorIs(t, grants.Reopen(ctx, 424242, "ada", "s", nil, now), draw.ErrGrantNotFailed)
		require.NoError(t, grants.Record(ctx, grantOf(o, draw.GrantGranted, map[string]string{"code": "C1"})))
		require.ErrorIs(t, grants.Reopen(ctx, o.ID, "ada", "s", nil, now), draw.ErrGrantNotFailed, "granted")
		mq, entry = mqState(t, env, o.ID)
		assert.Equal(t, [2]string{"sent", ""}, [2]string{mq, entry}, "the grant removed the entry")

		// A row left behind (by a retry of an earlier version) does not keep a grant from
		// failing.
		stale := writeWins(t, env, 1, now.Add(-time.Hour))[0]
		require.NoError(t, env.DB.Gorm.Exec(`INSERT INTO failed_grants (order_id, activity_id) VALUES (?, ?)`, stale.ID, stale.ActivityID).Error)
		require.NoError(t, grants.Fail(ctx, stale.ID, "refused", now))
		got, err = orders.Get(ctx, stale.ID)
		require.NoError(t, err)
		assert.Equal(t, draw.GrantFailed, got.GrantState)
	})
}

// TestGrantReopenReplacesAStaleEntry: older versions kept a failed grant's outbox entry;
// sending such a grant again replaces it.
func TestGrantReopenReplacesAStaleEntry(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		o := writeWins(t, env, 1, time.Now().UTC())[0]
		grants := persistence.NewGrantRepo(env.DB)
		require.NoError(t, env.DB.Gorm.Exec(`UPDATE orders SET grant_state = ?, grant_error = 'old' WHERE id = ?`,
			string(draw.GrantFailed), o.ID).Error, "failed the way older versions left it: entry kept")
		require.NoError(t, grants.Reopen(ctx, o.ID, "ada", "LOTTERY.grant.coupon", []byte(`{"new":true}`), time.Now()))
		var payload string
		require.NoError(t, env.DB.Gorm.Raw(`SELECT payload FROM outbox WHERE order_id = ?`, o.ID).Scan(&payload).Error)
		assert.Equal(t, `{"new":true}`, payload)
		assert.Equal(t, int64(1), count(t, env, "outbox"))
	})
}

func TestGrantReopenOnceUnderConcurrentRetries(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		o := writeWins(t, env, 1, time.Now().UTC())[0]
		grants := persistence.NewGrantRepo(env.DB)
		require.NoError(t, grants.Fail(ctx, o.ID, "refused", time.Now()))
		const retries = 8
		errs := make(chan error, retries)
		var wg sync.WaitGroup
		for range retries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- grants.Reopen(ctx, o.ID, "ada", "LOTTERY.grant.coupon", []byte("{}"), time.Now())
			}()
		}
		wg.Wait()
		close(errs)
		var ok int
		for err := range errs {
			if err == nil {
				ok++
				continue
			}
			require.ErrorIs(t, err, draw.ErrGrantNotFailed)
		}
		assert.Equal(t, 1, ok, "one retry reopens the grant; the others are told it is not failed")
		assert.Equal(t, int64(1), count(t, env, "outbox"))
		assert.Equal(t, int64(1), count(t, env, "grant_retries"), "the refused retries left no record")
	})
}

// A search that reads for longer than its limit ends with ErrSearchTooSlow, by the server's
// own statement bound (SQLite's searches are not bounded: see SearchTimeout); the same
// search within the limit answers, on the same connection pool.
func TestOrderSearchEndsAfterItsLimit(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		insertOrders(t, env, 1, 40_000)
		repo := persistence.NewOrderRepo(env.DB)
		// No order matches: the whole activity is read, row by row.
		q := draw.OrderSearch{ActivityID: 1, GrantState: draw.GrantAwaitingAddress, Limit: 20}
		if env.DB.Dialect == persistence.MySQL {
			repo.SetSearchLimit(time.Millisecond)
			_, err := repo.Search(ctx, q)
			require.ErrorIs(t, err, draw.ErrSearchTooSlow)
			patient := q
			patient.TimeLimit = time.Minute // its own limit instead of the default
			_, err = repo.Search(ctx, patient)
			require.NoError(t, err)
			patient.TimeLimit = time.Millisecond
			repo.SetSearchLimit(persistence.SearchTimeout)
			_, err = repo.Search(ctx, patient)
			require.ErrorIs(t, err, draw.ErrSearchTooSlow)
			// A caller that gave up is not told the search was too slow.
			gone, leave := context.WithCancel(ctx)
			leave()
			_, err = repo.Search(gone, q)
			require.ErrorIs(t, err, context.Canceled)
			require.NotErrorIs(t, err, draw.ErrSearchTooSlow)
		}
		found, err := repo.Search(ctx, q)
		require.NoError(t, err)
		assert.Empty(t, found)
		// A time filter starts the read at the ids of its time (see the plan test).
		late := orderOf(1, "late", "2026-11-24")
		late.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
		late.ID = idgen.FloorAt(late.CreatedAt)
		commitOrders(ctx, t, env, late)
		found, err = repo.Search(ctx, draw.OrderSearch{ActivityID: 1, DrawnAfter: late.CreatedAt, Limit: 20})
		require.NoError(t, err)
		assert.Equal(t, []int64{late.ID}, orderIDs(found))
		q.GrantState = ""
		found, err = repo.Search(ctx, q)
		require.NoError(t, err)
		assert.Len(t, found, 20)
	})
}

// A search by draw time bounds the ids it reads, allowing an id an hour behind its draw
// time (an earlier version's) or ahead of it (a server clock stepped back): such orders
// are found, and only by their draw time.
func TestOrderSearchByDrawTimeAllowsIDsOffTheirTime(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		at := time.Now().UTC().Truncate(time.Millisecond)
		order := func(drawn time.Time, idOff time.Duration) draw.Order {
			o := orderOf(9, fmt.Sprintf("u%d", idOff), "2026-11-24")
			o.CreatedAt, o.ID = drawn, idgen.FloorAt(drawn.Add(idOff))
			return o
		}
		ahead := order(at.Add(-2*time.Hour), 59*time.Minute)
		after := order(at.Add(-time.Hour), 0)
		behind := order(at.Add(-3*time.Hour), -30*time.Minute)
		commitOrders(ctx, t, env, ahead, after, behind)
		repo := persistence.NewOrderRepo(env.DB)
		search := func(q draw.OrderSearch) []int64 {
			q.ActivityID, q.Limit = 9, 20
			return searchIDs(t, repo, q)
		}
		assert.Equal(t, []int64{ahead.ID, behind.ID}, search(draw.OrderSearch{DrawnBefore: ahead.CreatedAt.Add(time.Millisecond)}))
		assert.Equal(t, []int64{after.ID, ahead.ID}, search(draw.OrderSearch{DrawnAfter: ahead.CreatedAt}))
		assert.Equal(t, []int64{behind.ID}, search(draw.OrderSearch{DrawnBefore: ahead.CreatedAt}))
	})
}

// searchIDs is the ids of the orders q finds, in the order found.
func searchIDs(t *testing.T, repo *persistence.OrderRepo, q draw.OrderSearch) []int64 {
	t.Helper()
	found, err := repo.Search(context.Background(), q)
	require.NoError(t, err)
	return orderIDs(found)
}
