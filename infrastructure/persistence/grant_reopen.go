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

// Reopen makes a failed grant pending again, puts its event back into the outbox and
// records the retry (by whom, and the failure it had), in one transaction, so the relay
// and the compensation job deliver it like a fresh win's. The state is compared and set:
// of two concurrent retries one reopens the grant and the other gets
// draw.ErrGrantNotFailed, and a grant that is pending or decided stays as it is.
func (r *GrantRepo) Reopen(ctx context.Context, orderID int64, by string, subject string, payload []byte, at time.Time) error {
	at = at.UTC()
	err := r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The compare-and-set first: it locks the row for writing, so concurrent retries
		// queue on it instead of deadlocking on a shared lock each; the failure it had is
		// recorded before it is cleared.
		res := tx.Exec(`UPDATE orders SET grant_state = ?, mq_state = ?, updated_at = ?
			WHERE id = ? AND outcome = ? AND grant_state = ?`, string(draw.GrantPending), string(draw.MQPending), at,
			orderID, string(draw.OutcomeWin), string(draw.GrantFailed))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotFailed
		}
		err := tx.Exec(`INSERT INTO grant_retries (order_id, retried_by, previous_error, retried_at)
			SELECT id, ?, grant_error, ? FROM orders WHERE id = ?`, by, at, orderID).Error
		if err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE orders SET grant_error = '' WHERE id = ?`, orderID).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM failed_grants WHERE order_id = ?`, orderID).Error; err != nil {
			return err
		}
		if err := dropStaleEntry(tx, orderID); err != nil {
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

// dropStaleEntry removes an outbox entry left with a failed grant. Fail removes it today,
// but older versions kept it (as they kept entries in state sent), and the event must go
// back as a new entry. It is looked for with a plain read first: deleting a row that is
// not there would lock the gap around it, where the order writer inserts new entries.
func dropStaleEntry(tx *gorm.DB, orderID int64) error {
	var n int64
	if err := tx.Raw(`SELECT COUNT(*) FROM outbox WHERE order_id = ?`, orderID).Scan(&n).Error; err != nil || n == 0 {
		return err
	}
	return tx.Exec(`DELETE FROM outbox WHERE order_id = ?`, orderID).Error
}

// Retries lists the times an order's failed grant was sent again, oldest first.
func (r *GrantRepo) Retries(ctx context.Context, orderID int64) ([]draw.GrantRetry, error) {
	var rows []struct {
		RetriedBy     string
		PreviousError string
		RetriedAt     time.Time
	}
	err := r.db.Gorm.WithContext(ctx).Raw(`SELECT retried_by, previous_error, retried_at FROM grant_retries
		WHERE order_id = ? ORDER BY id`, orderID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read grant retries of order %d: %w", orderID, err)
	}
	out := make([]draw.GrantRetry, len(rows))
	for i, row := range rows {
		out[i] = draw.GrantRetry{By: row.RetriedBy, At: row.RetriedAt.UTC(), PreviousError: row.PreviousError}
	}
	return out, nil
}
