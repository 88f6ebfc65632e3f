package persistence

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
)

// Statement is a statement with sample arguments.
type Statement struct {
	SQL  string
	Args []any
}

// ActivityReads are the statements that read many orders of activity 2, for the
// query-plan test.
func ActivityReads() map[string]Statement {
	page, args := searchSQL(draw.OrderSearch{ActivityID: 2, Outcome: draw.OutcomeWin, Limit: 20})
	return map[string]Statement{
		"snapshot":     {snapshotOrdersSQL, []any{int64(2)}},
		"order counts": {orderCountsSQL, []any{int64(2)}},
		"totals":       {totalsSQL, []any{"2026-11-22", "2026-11-21", int64(2)}},
		"desk page":    {page, args},
		"recent users": {recentUsersSQL, []any{int64(2), 200}},
	}
}

// DrawTimeRead is the order desk's page of activity 2 from a draw time on.
func DrawTimeRead(after time.Time) Statement {
	page, args := searchSQL(draw.OrderSearch{ActivityID: 2, DrawnAfter: after, Limit: 20})
	return Statement{page, args}
}

// DrawnBeforeRead is the order desk's page of activity 2 drawn before a time.
func DrawnBeforeRead(before time.Time) Statement {
	page, args := searchSQL(draw.OrderSearch{ActivityID: 2, DrawnBefore: before, Limit: 20})
	return Statement{page, args}
}

// OutboxDueRead is compensation's read of the outbox entries of state due by at.
func OutboxDueRead(state string, at time.Time) Statement {
	return Statement{overdueSQL, []any{state, at.UTC(), 256}}
}

// UserCountsRead is reconciliation's count of a sample of users' orders.
func UserCountsRead() Statement {
	return Statement{userCountsSQL, []any{"2026-11-22", []string{"u1", "u2", "u3"}, int64(2)}}
}

// FailedReads are the order desk's searches for failed grants: of every activity, and of
// one.
func FailedReads() map[string]Statement {
	all, allArgs := searchSQL(draw.OrderSearch{GrantState: draw.GrantFailed, Limit: 20})
	one, oneArgs := searchSQL(draw.OrderSearch{ActivityID: 2, GrantState: draw.GrantFailed, BeforeID: 1 << 50, Limit: 20})
	return map[string]Statement{"every activity": {all, allArgs}, "one activity": {one, oneArgs}}
}

// InsertOrder inserts o in tx, as the order writer does, leaving the commit to the caller.
func InsertOrder(ctx context.Context, tx *sql.Tx, o draw.Order) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO orders ("+orderColumns+") VALUES "+orderPlaceholders, orderArgs(nil, o)...)
	return err
}

// Statements tells how many of the writer's INSERTs ran prepared and how many as text.
func (w *OrderWriter) Statements() (prepared, text int64) {
	return w.orders.prepared.Load() + w.outbox.prepared.Load(), w.orders.text.Load() + w.outbox.text.Load()
}

// InsertOrdersAsText inserts orders in one transaction as the order writer does when the
// server will not prepare its statements: each chunk as text, its values interpolated.
func InsertOrdersAsText(ctx context.Context, db *DB, orders []draw.Order) error {
	var args []any
	for _, o := range orders {
		args = orderArgs(args, o)
	}
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := newOrderInsert(db.SQL, 500).exec(ctx, tx, len(orders), args); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// KeepPrivateLedger checks once, as the keeper does every keepEvery, that the private
// ledger lock taken on a new connection is still held, taking it again if not; kill ends
// the lock's connection from outside first when set.
func (db *DB) KeepPrivateLedgerAfter(ctx context.Context, kill func(connectionID int64)) (release func(), err error) {
	l, got, err := db.takeLock(ctx, privateLedgerLock, 0)
	if err != nil || !got {
		return nil, err
	}
	kill(l.id)
	var lostErr error
	l = db.keepLock(context.Background(), l, func(err error) { lostErr = err }, func(ctx context.Context) (*heldLock, bool, error) {
		return db.takeLock(ctx, privateLedgerLock, 0)
	})
	return l.unlock, lostErr
}

// KeepPrivateLedgerStopping looks at a private ledger lock, as the keeper does, once the
// process has begun to stop: it says whether the lock was taken again and what was reported.
func (db *DB) KeepPrivateLedgerStopping(ctx context.Context) (retook bool, lostErr error, err error) {
	l, got, err := db.takeLock(ctx, privateLedgerLock, 0)
	if err != nil || !got {
		return false, nil, err
	}
	defer l.unlock()
	stopping, stop := context.WithCancel(ctx)
	stop()
	db.keepLock(stopping, l, func(err error) { lostErr = err }, func(ctx context.Context) (*heldLock, bool, error) {
		retook = true
		return nil, false, ctx.Err()
	})
	return retook, lostErr, nil
}

// SetSearchLimit bounds r's searches to d instead of SearchTimeout.
func (r *OrderRepo) SetSearchLimit(d time.Duration) { r.searchLimit = d }

// FlushTogether commits orders as one batch of the writer, each by its deadline, and
// returns each order's outcome and the transactions it took.
func (w *OrderWriter) FlushTogether(orders []draw.Order, by time.Time) ([]error, int64) {
	before := w.commits.Load()
	reqs := make([]*writeRequest, len(orders))
	for i, o := range orders {
		reqs[i] = &writeRequest{ctx: context.Background(), order: o, by: by, result: make(chan error, 1)}
	}
	w.flush(slices.Clone(reqs)) // which compacts its batch in place
	errs := make([]error, len(reqs))
	for i, r := range reqs {
		errs[i] = <-r.result
	}
	return errs, w.commits.Load() - before
}

// SetMemberQuiet has LedgerMembers leave out connections idle for longer than d.
func (db *DB) SetMemberQuiet(d time.Duration) { db.memberQuiet = d }

// TakeMemberSlotAndGoQuiet takes a member slot and says once that its process runs, then
// nothing more, as a process gone without closing its connection; it returns that
// connection's id, and closes it when the test ends.
func (db *DB) TakeMemberSlotAndGoQuiet(t testing.TB) int64 {
	l, got, err := db.anyMemberSlot(context.Background())
	if err != nil || !got {
		t.Fatalf("take a member slot: %v (taken: %v)", err, got)
	}
	t.Cleanup(l.unlock)
	if err := db.MarkMemberSeen(context.Background(), l.id); err != nil {
		t.Fatal(err)
	}
	return l.id
}
