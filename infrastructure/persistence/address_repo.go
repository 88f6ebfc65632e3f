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

// errNotAwaiting rolls back an address for an order that does not wait for one.
var errNotAwaiting = errors.New("grant is not awaiting an address")

// Ship stores the shipping address of a physical win and completes its grant, all in one
// transaction. The grant's state is compared and set, so of two concurrent submissions
// exactly one is stored and the other gets draw.ErrAddressNotExpected.
func (r *GrantRepo) Ship(ctx context.Context, orderID int64, address string, payload map[string]string, at time.Time) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode grant of order %d: %w", orderID, err)
	}
	at = at.UTC()
	awaiting, granted := string(draw.GrantAwaitingAddress), string(draw.GrantGranted)
	err = r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE grants SET state = ?, payload = ?, updated_at = ? WHERE order_id = ? AND state = ?`,
			granted, string(body), at, orderID, awaiting)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotAwaiting
		}
		var userID string
		if err := tx.Raw(`SELECT user_id FROM orders WHERE id = ?`, orderID).Scan(&userID).Error; err != nil {
			return err
		}
		err := tx.Exec(`INSERT INTO shipping_addresses (order_id, user_id, address, created_at) VALUES (?, ?, ?, ?)`,
			orderID, userID, address, at).Error
		if err != nil {
			return err
		}
		return tx.Exec(`UPDATE orders SET grant_state = ?, updated_at = ? WHERE id = ? AND grant_state = ?`,
			granted, at, orderID, awaiting).Error
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errNotAwaiting), isDuplicateKey(err):
		return fmt.Errorf("address for order %d: %w", orderID, draw.ErrAddressNotExpected)
	}
	return fmt.Errorf("address for order %d: %w", orderID, err)
}
