package persistence

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/lottery-go/lottery/domain/draw"
)

// errNotFailed rolls back a retry of a grant that has not failed.
var errNotFailed = errors.New("grant has not failed")

// Reopen makes a failed grant pending again and puts its event back into the outbox, in
// one transaction, so the relay and the compensation job deliver it like a fresh win's.
// The state is compared and set: of two concurrent retries one reopens the grant and the
// other gets draw.ErrGrantNotFailed, and a grant that is pending or decided stays as it is.
func (r *GrantRepo) Reopen(ctx context.Context, orderID int64, subject string, payload []byte, at time.Time) error {
	at = at.UTC()
	err := r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE orders SET grant_state = ?, grant_error = '', mq_state = ?, updated_at = ?
			WHERE id = ? AND outcome = ? AND grant_state = ?`, string(draw.GrantPending), string(draw.MQPending), at,
			orderID, string(draw.OutcomeWin), string(draw.GrantFailed))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotFailed
		}
		// A failed grant's event was delivered and its entry removed; none should be left,
		// but a stray one must not block the new entry.
		if err := tx.Exec(`DELETE FROM outbox WHERE order_id = ?`, orderID).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO outbox (order_id, subject, payload, state, attempts, next_attempt_at, last_error, created_at)
			VALUES (?, ?, ?, ?, 0, ?, '', ?)`, orderID, subject, string(payload), string(draw.MQPending), at, at).Error
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errNotFailed):
		return fmt.Errorf("retry grant of order %d: %w", orderID, draw.ErrGrantNotFailed)
	}
	return fmt.Errorf("retry grant of order %d: %w", orderID, err)
}
