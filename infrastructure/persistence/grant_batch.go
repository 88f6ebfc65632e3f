package persistence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/lottery-go/lottery/domain/draw"
)

// RecordAll writes many grants in one transaction: their points credits, the grant rows
// in one INSERT and the orders' grant_state in one UPDATE per state. A grant that exists
// already (the primary key) or an order no longer pending rolls back the lot, and the
// caller records them one by one to find which.
func (r *GrantRepo) RecordAll(ctx context.Context, rs []draw.GrantRecord) error {
	if len(rs) == 0 {
		return nil
	}
	insert, args, err := grantInsert(rs)
	if err != nil {
		return err
	}
	err = r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if credits := creditRows(rs); len(credits) > 0 {
			if err := tx.Clauses(r.db.skipDuplicates()).Create(&credits).Error; err != nil {
				return err
			}
		}
		if err := tx.Exec(insert, args...).Error; err != nil {
			return err
		}
		return settleOrders(tx, rs)
	})
	switch {
	case err == nil:
		return nil
	case isDuplicateKey(err), errors.Is(err, errNotPending):
		return fmt.Errorf("grant %d orders: %w", len(rs), draw.ErrAlreadyGranted)
	}
	return fmt.Errorf("grant %d orders: %w", len(rs), err)
}

func grantInsert(rs []draw.GrantRecord) (string, []any, error) {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO grants (order_id, award_id, user_id, kind, state, payload, created_at, updated_at) VALUES `)
	args := make([]any, 0, 8*len(rs))
	for i, g := range rs {
		payload, err := json.Marshal(g.Payload)
		if err != nil {
			return "", nil, fmt.Errorf("encode grant of order %d: %w", g.OrderID, err)
		}
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
		at := g.At.UTC()
		args = append(args, g.OrderID, g.AwardID, g.UserID, g.Kind, string(g.State), string(payload), at, at)
	}
	return sb.String(), args, nil
}

func creditRows(rs []draw.GrantRecord) []pointsRow {
	var rows []pointsRow
	for _, g := range rs {
		if g.Credit != 0 {
			rows = append(rows, pointsRow{UserID: g.UserID, OrderID: ptrID(g.OrderID), Delta: g.Credit,
				Reason: truncateRunes(g.CreditReason, maxPointsReason), CreatedAt: g.At.UTC()})
		}
	}
	return rows
}

// settleOrders moves every order from pending to its grant's state (its event delivered)
// and removes its outbox entry; an order that is not pending any more fails the lot.
func settleOrders(tx *gorm.DB, rs []draw.GrantRecord) error {
	byState := map[draw.GrantState][]int64{}
	for _, g := range rs {
		byState[g.State] = append(byState[g.State], g.OrderID)
	}
	at := rs[0].At.UTC()
	for state, ids := range byState {
		res := tx.Exec(`UPDATE orders SET grant_state = ?, grant_error = '', mq_state = ?, updated_at = ?
			WHERE id IN ? AND grant_state = ?`, string(state), string(draw.MQSent), at, ids, string(draw.GrantPending))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != int64(len(ids)) {
			return errNotPending
		}
		if err := delivered(tx, ids); err != nil {
			return err
		}
	}
	return nil
}

// delivered removes the outbox entries of orders whose grant event reached a granter
// that recorded its outcome: nothing is left to relay for them.
func delivered(tx *gorm.DB, orderIDs []int64) error {
	return tx.Exec(`DELETE FROM outbox WHERE order_id IN ?`, orderIDs).Error
}
