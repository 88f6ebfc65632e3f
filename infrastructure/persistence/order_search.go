package persistence

import (
	"context"
	"fmt"

	"github.com/lottery-go/lottery/domain/draw"
)

// Search returns the orders q selects, newest first. A user's orders come from
// ix_orders_user and an activity's from ix_orders_activity; a filter on the outcome or the
// grant state alone reads the orders newest first until the page is full, so it answers
// fast when such orders are recent or common and slowly on a large table when they are
// rare: name the activity too.
func (r *OrderRepo) Search(ctx context.Context, q draw.OrderSearch) ([]draw.Order, error) {
	query, args := selectOrders+"1 = 1", make([]any, 0, 6)
	if q.ActivityID != 0 {
		query, args = query+" AND o.activity_id = ?", append(args, q.ActivityID)
	}
	if q.UserID != "" {
		query, args = query+" AND o.user_id = ?", append(args, q.UserID)
	}
	if q.Outcome != "" {
		query, args = query+" AND o.outcome = ?", append(args, string(q.Outcome))
	}
	if q.GrantState != "" {
		query, args = query+" AND o.grant_state = ?", append(args, string(q.GrantState))
	}
	if q.BeforeID != 0 {
		query, args = query+" AND o.id < ?", append(args, q.BeforeID)
	}
	out, err := r.many(ctx, query+" ORDER BY o.id DESC LIMIT ?", append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("search orders: %w", err)
	}
	return out, nil
}
