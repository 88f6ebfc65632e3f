package persistence

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/lottery-go/lottery/domain/draw"
)

// OrderRepo reads committed orders with their grants.
type OrderRepo struct {
	db *gorm.DB
}

// NewOrderRepo implements draw.Orders.
func NewOrderRepo(db *DB) *OrderRepo { return &OrderRepo{db: db.Gorm} }

func (r *OrderRepo) query(ctx context.Context) *gorm.DB {
	return r.db.WithContext(ctx).Table("orders AS o").
		Select("o.id, o.activity_id, o.strategy_id, o.user_id, o.day, o.outcome, o.prize_id, o.award_id, " +
			"o.award_name, o.award_kind, o.idempotency_key, o.grant_state, o.grant_error, o.mq_state, " +
			"o.created_at, g.payload AS grant_payload").
		Joins("LEFT JOIN grants g ON g.order_id = o.id")
}

// Get returns one order.
func (r *OrderRepo) Get(ctx context.Context, id int64) (draw.Order, error) {
	return r.one(r.query(ctx).Where("o.id = ?", id), fmt.Sprintf("order %d", id))
}

// GetMany returns those of the orders ids that exist.
func (r *OrderRepo) GetMany(ctx context.Context, ids []int64) ([]draw.Order, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var recs []orderRecord
	if err := r.query(ctx).Where("o.id IN ?", ids).Find(&recs).Error; err != nil {
		return nil, fmt.Errorf("read %d orders: %w", len(ids), err)
	}
	out := make([]draw.Order, len(recs))
	for i, rec := range recs {
		out[i] = rec.toDomain()
	}
	return out, nil
}

// ByIdempotencyKey returns the order a user's key produced.
func (r *OrderRepo) ByIdempotencyKey(ctx context.Context, userID, key string) (draw.Order, error) {
	return r.one(r.query(ctx).Where("o.user_id = ? AND o.idempotency_key = ?", userID, key), "order by key")
}

func (r *OrderRepo) one(q *gorm.DB, what string) (draw.Order, error) {
	var rec orderRecord
	err := q.Take(&rec).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return draw.Order{}, draw.ErrOrderNotFound
	}
	if err != nil {
		return draw.Order{}, fmt.Errorf("read %s: %w", what, err)
	}
	return rec.toDomain(), nil
}

// List returns a user's orders, newest first.
func (r *OrderRepo) List(ctx context.Context, q draw.OrderQuery) ([]draw.Order, error) {
	db := r.query(ctx).Where("o.user_id = ?", q.UserID)
	if q.ActivityID != 0 {
		db = db.Where("o.activity_id = ?", q.ActivityID)
	}
	if q.BeforeID != 0 {
		db = db.Where("o.id < ?", q.BeforeID)
	}
	var recs []orderRecord
	if err := db.Order("o.id DESC").Limit(q.Limit).Find(&recs).Error; err != nil {
		return nil, fmt.Errorf("list orders of %s: %w", q.UserID, err)
	}
	out := make([]draw.Order, len(recs))
	for i, rec := range recs {
		out[i] = rec.toDomain()
	}
	return out, nil
}
