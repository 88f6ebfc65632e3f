package persistence

import (
	"context"
	"database/sql"
	"fmt"
)

// OrderStats reads what committed orders say about an activity, for the admin statistics.
// It only reads the orders table, which the draw path writes.
type OrderStats struct {
	db *DB
}

// NewOrderStats uses db, which must be migrated.
func NewOrderStats(db *DB) *OrderStats { return &OrderStats{db: db} }

// orderCountsSQL reads ix_orders_activity_seq alone, like the snapshot's aggregates.
const orderCountsSQL = `SELECT prize_id, outcome, COUNT(*) FROM orders WHERE activity_id = ? GROUP BY prize_id, outcome`

// OrderCounts returns the number of orders of the activity and its wins per prize id.
// Both come from one statement, so they are one consistent snapshot: the wins never
// include an order the draw count does not.
func (s *OrderStats) OrderCounts(ctx context.Context, activityID int64) (draws int64, wins map[int64]int64, err error) {
	rows, err := s.db.Gorm.WithContext(ctx).Raw(orderCountsSQL, activityID).Rows()
	if err != nil {
		return 0, nil, fmt.Errorf("count orders of activity %d: %w", activityID, err)
	}
	defer rows.Close()
	wins = make(map[int64]int64)
	for rows.Next() {
		var prize sql.NullInt64
		var outcome string
		var n int64
		if err := rows.Scan(&prize, &outcome, &n); err != nil {
			return 0, nil, fmt.Errorf("count orders of activity %d: %w", activityID, err)
		}
		draws += n
		if outcome == "win" && prize.Valid {
			wins[prize.Int64] += n
		}
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("count orders of activity %d: %w", activityID, err)
	}
	return draws, wins, nil
}
