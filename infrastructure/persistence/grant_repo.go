package persistence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/lottery-go/lottery/domain/draw"
)

// GrantRepo stores grants; it implements draw.Grants. The grants table is unique on
// order_id, which is what makes a redelivered grant event harmless.
type GrantRepo struct {
	db *DB
}

// NewGrantRepo uses db, which must be migrated.
func NewGrantRepo(db *DB) *GrantRepo { return &GrantRepo{db: db} }

var _ draw.Grants = (*GrantRepo)(nil)

// errNotPending rolls back a grant whose order was decided meanwhile.
var errNotPending = errors.New("order grant is not pending")

// Record inserts the grant, moves the order to its state and removes its outbox entry in
// one transaction. A second grant of the same order hits the primary key and changes
// nothing. An order failed meanwhile by another copy of its event (its last delivery
// timing out while this one's webhook answered) is granted too, and leaves the failed
// grants: the coupon was issued, and an admin's retry would ask the merchant again.
func (r *GrantRepo) Record(ctx context.Context, g draw.GrantRecord) error {
	payload, err := json.Marshal(g.Payload)
	if err != nil {
		return fmt.Errorf("encode grant of order %d: %w", g.OrderID, err)
	}
	at := g.At.UTC()
	err = r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Exec(`INSERT INTO grants (order_id, award_id, user_id, kind, state, payload, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, g.OrderID, g.AwardID, g.UserID, g.Kind, string(g.State), string(payload), at, at).Error
		if err != nil {
			return err
		}
		res := tx.Exec(`UPDATE orders SET grant_state = ?, grant_error = '', mq_state = ?, updated_at = ?
			WHERE id = ? AND grant_state IN (?, ?)`, string(g.State), string(draw.MQSent), at, g.OrderID,
			string(draw.GrantPending), string(draw.GrantFailed))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotPending
		}
		if err := tx.Exec(`DELETE FROM failed_grants WHERE order_id = ?`, g.OrderID).Error; err != nil {
			return err
		}
		return delivered(tx, []int64{g.OrderID})
	})
	switch {
	case err == nil:
		return nil
	case isDuplicateKey(err), errors.Is(err, errNotPending):
		return fmt.Errorf("grant order %d: %w", g.OrderID, draw.ErrAlreadyGranted)
	}
	return fmt.Errorf("grant order %d: %w", g.OrderID, err)
}

// maxGrantError is the width of orders.grant_error.
const maxGrantError = 500

// Fail marks a pending order's grant failed (its event was delivered, so its outbox entry
// goes) and lists it among the failed grants. An order decided meanwhile, granted or failed by another delivery, keeps its
// state: draw.ErrAlreadyGranted.
func (r *GrantRepo) Fail(ctx context.Context, orderID int64, reason string, at time.Time) error {
	decided := false
	err := r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE orders SET grant_state = ?, grant_error = ?, mq_state = ?, updated_at = ?
			WHERE id = ? AND grant_state = ?`, string(draw.GrantFailed), truncateRunes(reason, maxGrantError),
			string(draw.MQSent), at.UTC(), orderID, string(draw.GrantPending))
		if res.Error != nil {
			return res.Error
		}
		decided = res.RowsAffected == 0
		if !decided {
			// A row left by a retry that did not remove it (a process of an earlier
			// version, in a rolling upgrade) must not keep the grant from failing.
			err := tx.Exec(r.db.insertIgnore()+` INTO failed_grants (order_id, activity_id) SELECT id, activity_id FROM orders WHERE id = ?`,
				orderID).Error
			if err != nil {
				return err
			}
		}
		return delivered(tx, []int64{orderID})
	})
	switch {
	case err != nil:
		return fmt.Errorf("fail grant of order %d: %w", orderID, err)
	case decided:
		return fmt.Errorf("fail grant of order %d: %w", orderID, draw.ErrAlreadyGranted)
	}
	return nil
}
