package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
)

// OrderRepo reads committed orders with their grants. Its queries are plain SQL, written
// once: a repeated Idempotency-Key reads its order back on the draw path, and building the
// statement through the ORM cost more than running it.
type OrderRepo struct {
	db      *sql.DB
	dialect Dialect
	mariaDB bool
	// searchLimit bounds one search (SearchTimeout).
	searchLimit time.Duration
}

// NewOrderRepo implements draw.Orders.
func NewOrderRepo(db *DB) *OrderRepo {
	return &OrderRepo{db: db.SQL, dialect: db.Dialect, mariaDB: db.MariaDB, searchLimit: SearchTimeout}
}

// orderFields are the columns scan reads: an order and the payload of its grant.
const orderFields = "SELECT o.id, o.activity_id, o.strategy_id, o.user_id, o.day, o.outcome, o.prize_id, " +
	"o.award_id, o.award_name, o.award_kind, o.idempotency_key, o.grant_state, o.grant_error, o.mq_state, " +
	"o.created_at, g.payload "

// selectOrders reads orders with the payload of their grant; WHERE clauses follow.
const selectOrders = orderFields + "FROM orders o LEFT JOIN grants g ON g.order_id = o.id WHERE "

// selectFailed reads the orders whose grant failed, from the short list of them.
const selectFailed = orderFields + "FROM failed_grants f JOIN orders o ON o.id = f.order_id " +
	"LEFT JOIN grants g ON g.order_id = o.id WHERE "

// Get returns one order.
func (r *OrderRepo) Get(ctx context.Context, id int64) (draw.Order, error) {
	return r.one(ctx, fmt.Sprintf("order %d", id), selectOrders+"o.id = ?", id)
}

// Committed tells whether order id is committed, waiting for a writer that holds it
// uncommitted: on MySQL a locking read waits on the inserting transaction's row lock, so
// an order whose COMMIT is still under way is seen as it ends, not as absent. (SQLite has
// one writer, in this process, and no such lock to wait on.) Admission recovery asks this
// before it gives back an admission whose order it does not find.
func (r *OrderRepo) Committed(ctx context.Context, id int64) (bool, error) {
	q := "SELECT 1 FROM orders WHERE id = ?"
	if r.dialect == MySQL {
		q += " LOCK IN SHARE MODE"
	}
	var one int
	err := r.db.QueryRowContext(ctx, q, id).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("is order %d committed: %w", id, err)
	}
	return true, nil
}

// GetMany returns those of the orders ids that exist.
func (r *OrderRepo) GetMany(ctx context.Context, ids []int64) ([]draw.Order, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := selectOrders + "o.id IN (?" + strings.Repeat(",?", len(ids)-1) + ")"
	out, err := r.many(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read %d orders: %w", len(ids), err)
	}
	return out, nil
}

// ByIdempotencyKey returns the order a user's key produced.
func (r *OrderRepo) ByIdempotencyKey(ctx context.Context, userID, key string) (draw.Order, error) {
	return r.one(ctx, "order by key", selectOrders+"o.user_id = ? AND o.idempotency_key = ?", userID, key)
}

// List returns a user's orders, newest first.
func (r *OrderRepo) List(ctx context.Context, q draw.OrderQuery) ([]draw.Order, error) {
	query, args := selectOrders+"o.user_id = ?", []any{q.UserID}
	if q.ActivityID != 0 {
		query, args = query+" AND o.activity_id = ?", append(args, q.ActivityID)
	}
	if q.BeforeID != 0 {
		query, args = query+" AND o.id < ?", append(args, q.BeforeID)
	}
	out, err := r.many(ctx, query+" ORDER BY o.id DESC LIMIT ?", append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list orders of %s: %w", q.UserID, err)
	}
	return out, nil
}

func (r *OrderRepo) one(ctx context.Context, what, query string, args ...any) (draw.Order, error) {
	var rec orderRecord
	err := rec.scan(r.db.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return draw.Order{}, draw.ErrOrderNotFound
	}
	if err != nil {
		return draw.Order{}, fmt.Errorf("read %s: %w", what, err)
	}
	return rec.toDomain(), nil
}

func (r *OrderRepo) many(ctx context.Context, query string, args ...any) ([]draw.Order, error) {
	rows, err := r.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []draw.Order
	for rows.Next() {
		var rec orderRecord
		if err := rec.scan(rows); err != nil {
			return nil, err
		}
		out = append(out, rec.toDomain())
	}
	return out, rows.Err()
}
