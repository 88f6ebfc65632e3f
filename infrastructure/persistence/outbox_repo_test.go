package persistence_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

// writeWins commits n won orders (with their outbox rows) created at at.
func writeWins(t *testing.T, env testkit.SQLEnv, n int, at time.Time) []draw.Order {
	t.Helper()
	w, err := persistence.NewOrderWriter(env.DB, persistence.WriterOptions{Outbox: encoder})
	require.NoError(t, err)
	defer w.Close()
	out := make([]draw.Order, n)
	for i := range out {
		o := testOrder("u", true)
		o.CreatedAt = at
		require.NoError(t, w.Write(context.Background(), o, time.Time{}))
		out[i] = o
	}
	return out
}

func ids(entries []draw.OutboxEntry) []int64 {
	out := make([]int64, len(entries))
	for i, e := range entries {
		out[i] = e.OrderID
	}
	return out
}

// mqState is the order's mq_state and its outbox entry's state ("" once removed).
func mqState(t *testing.T, env testkit.SQLEnv, orderID int64) (order, outbox string) {
	t.Helper()
	require.NoError(t, env.DB.Gorm.Raw(`SELECT mq_state FROM orders WHERE id = ?`, orderID).Scan(&order).Error)
	require.NoError(t, env.DB.Gorm.Raw(`SELECT state FROM outbox WHERE order_id = ?`, orderID).Scan(&outbox).Error)
	return order, outbox
}

func TestOutboxLifecycle(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		orders := writeWins(t, env, 3, now.Add(-time.Minute))
		repo := persistence.NewOutboxRepo(env.DB)

		due, err := repo.Overdue(ctx, now, now.Add(-30*time.Second), 10)
		require.NoError(t, err)
		require.ElementsMatch(t, orderIDs(orders), ids(due), "entries pending for a minute are stale")
		assert.Equal(t, "LOTTERY.grant.coupon", due[0].Subject)
		assert.Contains(t, string(due[0].Payload), "order_id")

		require.NoError(t, repo.MarkRetried(ctx, []int64{orders[0].ID}, now.Add(time.Minute), now))
		require.NoError(t, repo.MarkFailed(ctx, []int64{orders[1].ID}, "nats: no responders", now.Add(time.Minute)))
		require.NoError(t, persistence.NewGrantRepo(env.DB).Record(ctx, draw.GrantRecord{OrderID: orders[2].ID,
			AwardID: orders[2].AwardID, UserID: orders[2].UserID, Kind: "coupon", State: draw.GrantGranted, At: now}))
		require.NoError(t, repo.MarkFailed(ctx, []int64{orders[2].ID}, "late failure", now), "a delivered entry stays delivered")

		for id, want := range map[int64][2]string{orders[0].ID: {"pending", "pending"}, orders[1].ID: {"failed", "failed"},
			orders[2].ID: {"sent", ""}} {
			o, b := mqState(t, env, id)
			assert.Equal(t, want[0], o, "orders.mq_state")
			assert.Equal(t, want[1], b, "outbox.state")
		}

		due, err = repo.Overdue(ctx, now, now.Add(-30*time.Second), 10)
		require.NoError(t, err)
		assert.Empty(t, due, "neither the republished nor the failed entry is due yet; the granted one is gone")
		later := now.Add(2 * time.Minute)
		due, err = repo.Overdue(ctx, later, later.Add(-30*time.Second), 10)
		require.NoError(t, err)
		require.ElementsMatch(t, []int64{orders[0].ID, orders[1].ID}, ids(due))
		for _, e := range due {
			assert.Equal(t, 1, e.Attempts)
		}

		require.NoError(t, repo.MarkRetried(ctx, []int64{orders[1].ID}, later, later))
		o, b := mqState(t, env, orders[1].ID)
		assert.Equal(t, [2]string{"pending", "pending"}, [2]string{o, b}, "a failed entry published again is pending again")
		var lastError string
		require.NoError(t, env.DB.Gorm.Raw(`SELECT last_error FROM outbox WHERE order_id = ?`, orders[1].ID).Scan(&lastError).Error)
		assert.Equal(t, "nats: no responders", lastError, "and still tells why its last try failed")

		// A granter deferring the entry between its publish and this bookkeeping wins.
		require.NoError(t, repo.Defer(ctx, []int64{orders[0].ID}, 2, later.Add(time.Minute), "upstream down"))
		require.NoError(t, repo.MarkRetried(ctx, []int64{orders[0].ID}, later.Add(15*time.Minute), later))
		_, b = mqState(t, env, orders[0].ID)
		assert.Equal(t, "failed", b, "deferred, due in a minute")
		require.NoError(t, repo.Defer(ctx, []int64{orders[0].ID}, 1, later.Add(time.Minute), "an older copy"))
		due, err = repo.Overdue(ctx, later.Add(time.Minute), later.Add(-time.Minute), 10)
		require.NoError(t, err)
		require.Equal(t, []int64{orders[0].ID}, ids(due))
		assert.Equal(t, 2, due[0].Deliveries, "deliveries never go down")
		assert.Equal(t, 2, due[0].HandedBack, "each hand-back counted: its message is a new one")

		fresh := writeWins(t, env, 1, now)
		due, err = repo.Overdue(ctx, now, now.Add(-30*time.Second), 10)
		require.NoError(t, err)
		assert.Empty(t, due, "a fresh pending entry is the relay's")
		due, err = repo.Overdue(ctx, now, now.Add(time.Second), 10)
		require.NoError(t, err)
		assert.Equal(t, []int64{fresh[0].ID}, ids(due), "a stale pending entry is overdue")
	})
}

// Compensation takes the most overdue entries first, failed or pending, up to its batch.
func TestOverdueTakesTheMostOverdueOfBothStates(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		a := writeWins(t, env, 1, now.Add(-5*time.Minute))[0]
		b := writeWins(t, env, 1, now.Add(-4*time.Minute))[0]
		c := writeWins(t, env, 1, now.Add(-3*time.Minute))[0]
		d := writeWins(t, env, 1, now.Add(-2*time.Minute))[0]
		repo := persistence.NewOutboxRepo(env.DB)
		require.NoError(t, repo.MarkFailed(ctx, []int64{b.ID}, "nats down", now.Add(-150*time.Second)))
		require.NoError(t, repo.MarkFailed(ctx, []int64{d.ID}, "nats down", now.Add(-270*time.Second)))
		// Next looks: a pending at -5m, d failed at -4m30s, c pending at -3m, b failed at -2m30s.

		due, err := repo.Overdue(ctx, now, now, 3)
		require.NoError(t, err)
		assert.Equal(t, []int64{a.ID, d.ID, c.ID}, ids(due), "the three most overdue, in order")
		due, err = repo.Overdue(ctx, now, now, 10)
		require.NoError(t, err)
		assert.Equal(t, []int64{a.ID, d.ID, c.ID, b.ID}, ids(due))
		due, err = repo.Overdue(ctx, now, now.Add(-210*time.Second), 10)
		require.NoError(t, err)
		assert.Equal(t, []int64{a.ID, d.ID, b.ID}, ids(due), "pending entries only up to staleBefore")
		due, err = repo.Overdue(ctx, now.Add(-200*time.Second), now, 10)
		require.NoError(t, err)
		assert.Equal(t, []int64{a.ID, d.ID, c.ID}, ids(due), "failed entries only up to now")
	})
}

// Compensation reads each state's due entries as a range of ix_outbox_due in its order,
// stopping at its batch: after an outage the outbox holds every win since, all due, and a
// sort of them all for every batch would make draining them quadratic.
func TestOverdueReadsTheDueIndexInOrder(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		now := time.Now().UTC()
		var sb strings.Builder
		sb.WriteString(`INSERT INTO outbox (order_id, subject, payload, state, attempts, next_attempt_at, last_error, created_at) VALUES `)
		for i := range 2000 {
			if i > 0 {
				sb.WriteString(",")
			}
			state := "pending"
			if i%5 == 0 {
				state = "failed"
			}
			at := now.Add(-time.Duration(i) * time.Second).Format("2006-01-02 15:04:05")
			fmt.Fprintf(&sb, "(%d, 'L.grant.text', '{}', '%s', 1, '%s', '', '%s')", i+1, state, at, at)
		}
		require.NoError(t, env.DB.Gorm.Exec(sb.String()).Error)
		analyze(t, env, "outbox")
		for _, state := range []string{"pending", "failed"} {
			plan := explain(t, env, persistence.OutboxDueRead(state, now))
			assert.Contains(t, plan, "ix_outbox_due", "%s: %s", state, plan)
			assert.NotContains(t, strings.ToLower(plan), "filesort", "%s: %s", state, plan)
			assert.NotContains(t, plan, "TEMP B-TREE", "%s: %s", state, plan)
		}
	})
}

func orderIDs(orders []draw.Order) []int64 {
	out := make([]int64, len(orders))
	for i, o := range orders {
		out[i] = o.ID
	}
	return out
}

// TestGrantsAndRelayMarksDoNotDeadlock records grants while compensation marks the same
// orders' publishes failed and republished: both lock orders before outbox rows, so
// neither is chosen as a deadlock victim, and the grant wins in the end whichever ran first.
func TestGrantsAndRelayMarksDoNotDeadlock(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		grants, outbox := persistence.NewGrantRepo(env.DB), persistence.NewOutboxRepo(env.DB)
		for round := range 10 {
			wins := writeWins(t, env, 16, time.Now().UTC())
			recs := make([]draw.GrantRecord, len(wins))
			for i, o := range wins {
				recs[i] = grantOf(o, draw.GrantGranted, map[string]string{"code": "X"})
			}
			var wg sync.WaitGroup
			var recordErr, failErr, retryErr error
			wg.Add(3)
			go func() { defer wg.Done(); recordErr = grants.RecordAll(ctx, recs) }()
			go func() { defer wg.Done(); failErr = outbox.MarkFailed(ctx, orderIDs(wins), "nats down", time.Now()) }()
			go func() { defer wg.Done(); retryErr = outbox.MarkRetried(ctx, orderIDs(wins), time.Now(), time.Now()) }()
			wg.Wait()
			require.NoError(t, recordErr, "round %d", round)
			require.NoError(t, failErr, "round %d", round)
			require.NoError(t, retryErr, "round %d", round)
			for _, o := range wins {
				order, entry := mqState(t, env, o.ID)
				require.Equal(t, [2]string{"sent", ""}, [2]string{order, entry}, "round %d, order %d", round, o.ID)
			}
		}
	})
}

// Entries whose events the grant consumer holds and delivers again later are kept from
// compensation until then; a failed entry keeps its own schedule.
func TestOutboxPostponeKeepsHeldEventsFromCompensation(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		orders := writeWins(t, env, 3, now.Add(-time.Minute))
		repo := persistence.NewOutboxRepo(env.DB)
		require.NoError(t, repo.MarkFailed(ctx, []int64{orders[2].ID}, "nats: no responders", now))

		held := []int64{orders[0].ID, orders[2].ID}
		require.NoError(t, repo.Postpone(ctx, held, now.Add(5*time.Minute)))
		require.NoError(t, repo.Postpone(ctx, held, now.Add(time.Minute)), "an earlier time never shortens the hold")

		due, err := repo.Overdue(ctx, now, now.Add(-30*time.Second), 10)
		require.NoError(t, err)
		assert.ElementsMatch(t, []int64{orders[1].ID, orders[2].ID}, ids(due), "the held pending entry waits")
		later := now.Add(5*time.Minute + 31*time.Second)
		due, err = repo.Overdue(ctx, later, later.Add(-30*time.Second), 10)
		require.NoError(t, err)
		assert.ElementsMatch(t, orderIDs(orders), ids(due), "and is compensated once the hold is over")
	})
}

// The backlog is what waits for its grant, and how old the oldest of it is.
func TestOutboxBacklog(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewOutboxRepo(env.DB)
		n, oldest, err := repo.Backlog(ctx)
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.True(t, oldest.IsZero())

		made := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
		writeWins(t, env, 2, made)
		writeWins(t, env, 1, made.Add(30*time.Second))
		n, oldest, err = repo.Backlog(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(3), n)
		assert.True(t, made.Equal(oldest), "%v, want %v", oldest, made)

		// An entry made anew for an earlier order (a failed grant sent again) is read by
		// when it was made, not by its order's id.
		writeWins(t, env, 1, made.Add(-time.Hour))
		_, oldest, err = repo.Backlog(ctx)
		require.NoError(t, err)
		assert.True(t, made.Add(-time.Hour).Equal(oldest), "%v", oldest)
	})
}
