package persistence_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

// A load's snapshot counts an order whose COMMIT is still under way once it commits, and
// not once it rolls back: on MySQL it waits for the inserting transaction instead of
// reading past it. A plain read would count the stock and the user's draws without the
// order, and sell them again when the COMMIT lands.
func TestSnapshotWaitsForACommitUnderWay(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		a, truth, now := truthOfNewActivity(t, env)
		day := a.Day(now)
		commitOrders(ctx, t, env, orderOf(a.ID(), "early", day))
		snap, err := truth.Snapshot(ctx, a.ID(), day)
		require.NoError(t, err)
		assert.Equal(t, draw.UserCount{Total: 1, Today: 1}, snap.Users["early"])
		if env.DB.Dialect != persistence.MySQL {
			return
		}
		for _, commit := range []bool{true, false} {
			user := map[bool]string{true: "committed", false: "rolled-back"}[commit]
			snap := snapshotAcross(ctx, t, env, truth, orderOf(a.ID(), user, day), commit)
			want := draw.UserCount{}
			if commit {
				want = draw.UserCount{Total: 1, Today: 1}
			}
			assert.Equal(t, want, snap.Users[user], user)
		}
		snap, err = truth.Snapshot(ctx, a.ID(), day)
		require.NoError(t, err)
		assert.Equal(t, a.Stock()-2, snap.StockLeft, "the early order and the committed one")
	})
}

// snapshotAcross takes a snapshot across o's open insert (whileInserting); meanwhile the
// orders of the activities beside o's are written: the snapshot locks its own activity's
// orders, not the gaps where the others' new orders go.
func snapshotAcross(ctx context.Context, t *testing.T, env testkit.SQLEnv, truth *persistence.Truth, o draw.Order, commit bool) draw.Snapshot {
	t.Helper()
	return whileInserting(ctx, t, env, o, commit, func() (draw.Snapshot, error) {
		return truth.Snapshot(ctx, o.ActivityID, o.Day)
	}, func() {
		for _, other := range []int64{o.ActivityID - 1, o.ActivityID + 1} {
			quick, cancel := context.WithTimeout(ctx, 5*time.Second)
			commitOrders(quick, t, env, orderOf(other, "neighbour", o.Day))
			cancel()
		}
	})
}

// whileInserting inserts o in a transaction, starts read, waits until read waits on that
// transaction's lock (failing if it answers first), runs meanwhile, ends the transaction
// with commit or rollback and returns read's answer. The transaction ends whatever
// happens.
func whileInserting[T any](ctx context.Context, t *testing.T, env testkit.SQLEnv, o draw.Order, commit bool, read func() (T, error), meanwhile func()) T {
	t.Helper()
	tx, err := env.DB.SQL.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	require.NoError(t, persistence.InsertOrder(ctx, tx, o))
	type answer struct {
		v   T
		err error
	}
	answers := make(chan answer, 1)
	go func() {
		v, err := read()
		answers <- answer{v, err}
	}()
	for deadline := time.Now().Add(20 * time.Second); lockWaits(ctx, t, env) == 0; {
		select {
		case a := <-answers:
			t.Fatalf("answered %+v (%v) while an order's transaction is open", a.v, a.err)
		case <-time.After(5 * time.Millisecond):
		}
		require.True(t, time.Now().Before(deadline), "the read never waited on the open transaction")
	}
	if meanwhile != nil {
		meanwhile()
	}
	if commit {
		require.NoError(t, tx.Commit())
	} else {
		require.NoError(t, tx.Rollback())
	}
	got := <-answers
	require.NoError(t, got.err)
	return got.v
}

// lockWaits counts the locks on the orders of the test's database that a transaction
// waits for, from InnoDB's own report (MariaDB's INNODB_TRX was seen to show a waiting
// transaction that had begun explicitly as running).
func lockWaits(ctx context.Context, t *testing.T, env testkit.SQLEnv) int {
	t.Helper()
	var db, typ, name, status string
	require.NoError(t, env.DB.SQL.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&db))
	require.NoError(t, env.DB.SQL.QueryRowContext(ctx, "SHOW ENGINE INNODB STATUS").Scan(&typ, &name, &status))
	n := 0
	for _, line := range strings.Split(status, "\n") {
		if strings.Contains(line, "of table `"+db+"`.`orders`") && strings.HasSuffix(line, " waiting") {
			n++
		}
	}
	return n
}

// orderOf is a lost draw of user in activity on day.
func orderOf(activityID int64, user, day string) draw.Order {
	o := testOrder(user, false)
	o.ActivityID, o.Day = activityID, day
	return o
}

// commitOrders inserts orders in one transaction and commits it.
func commitOrders(ctx context.Context, t *testing.T, env testkit.SQLEnv, orders ...draw.Order) {
	t.Helper()
	tx, err := env.DB.SQL.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	for _, o := range orders {
		require.NoError(t, persistence.InsertOrder(ctx, tx, o))
	}
	require.NoError(t, tx.Commit())
}
