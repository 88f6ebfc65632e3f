package persistence

import (
	"context"
	"fmt"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
)

// deliverySQL reads an order's outbox entry by its primary key.
const deliverySQL = `SELECT state, deliveries, last_error, next_attempt_at, created_at FROM outbox WHERE order_id = ?`

// deliveryRow is the part of an outbox entry that tells how its grant's delivery goes.
type deliveryRow struct {
	State         string
	Deliveries    int
	LastError     string
	NextAttemptAt time.Time
	CreatedAt     time.Time
}

// Delivery reads how the grant of an order is being delivered from its outbox entry, in
// one read by primary key; false when the order has no entry (its grant was decided, or it
// is no win). The entry's deliveries are the attempts (its attempts column counts relays,
// not deliveries). An entry in state failed waits for its next attempt at next_attempt_at;
// one in state pending is queued or being delivered, and its next_attempt_at only says
// when compensation looks at it again, so it is left out. The entry was made at the win,
// or made again when the grant was sent again: the start of the grant's wait.
func (r *GrantRepo) Delivery(ctx context.Context, orderID int64) (draw.GrantDelivery, bool, error) {
	var rows []deliveryRow
	if err := r.db.Gorm.WithContext(ctx).Raw(deliverySQL, orderID).Scan(&rows).Error; err != nil {
		return draw.GrantDelivery{}, false, fmt.Errorf("read grant delivery of order %d: %w", orderID, err)
	}
	if len(rows) == 0 {
		return draw.GrantDelivery{}, false, nil
	}
	return rows[0].delivery(), true, nil
}

// delivery is the row as the order desk shows it.
func (row deliveryRow) delivery() draw.GrantDelivery {
	d := draw.GrantDelivery{Attempts: row.Deliveries, LastError: row.LastError, Since: row.CreatedAt.UTC()}
	if row.State == string(draw.MQFailed) {
		d.NextAttemptAt = row.NextAttemptAt.UTC()
	}
	return d
}
