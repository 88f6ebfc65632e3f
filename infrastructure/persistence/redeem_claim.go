package persistence

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/lottery-go/lottery/domain/award"
)

// CodePool hands out redeem codes; it implements award.CodePool.
type CodePool struct {
	db *DB
}

// NewCodePool uses db, which must be migrated.
func NewCodePool(db *DB) *CodePool { return &CodePool{db: db} }

var _ award.CodePool = (*CodePool)(nil)

// claimAttempts bounds how often a claim starts over after losing a race for a code.
const claimAttempts = 10

// Claim gives the order one free code of the award's pool. The unique key on order_id
// makes the answer stable: an order that holds a code gets it back, and a concurrent claim
// by the same order loses at the key and reads the winner's code.
//
// The claimed code comes back from the claim itself, never from a second read: a read on
// another pooled connection is not guaranteed to show the claim yet, and taking "no code
// for this order" from it would try again, find the pool empty and fail an order that
// holds the last code.
func (p *CodePool) Claim(ctx context.Context, awardID, orderID int64, at time.Time) (string, error) {
	for range claimAttempts {
		if code, ok, err := p.codeOf(ctx, orderID); err != nil || ok {
			return code, err
		}
		code, err := p.claimOne(ctx, awardID, orderID, at.UTC())
		switch {
		case err != nil && isDuplicateKey(err):
			continue // this order claimed concurrently: read its code
		case err != nil && (isRetryableConflict(err) || errors.Is(err, errFreeCodesLeft)):
			// Claims racing for the last free codes can deadlock in InnoDB; the victim
			// was rolled back whole, and starting over finds a code or an empty pool.
			continue
		case err != nil:
			return "", fmt.Errorf("claim code of award %d for order %d: %w", awardID, orderID, err)
		case code == "":
			return "", fmt.Errorf("award %d: %w", awardID, award.ErrPoolEmpty)
		default:
			return code, nil
		}
	}
	code, ok, err := p.codeOf(ctx, orderID)
	if err == nil && !ok {
		err = fmt.Errorf("claim code of award %d for order %d: no code after %d attempts", awardID, orderID, claimAttempts)
	}
	return code, err
}

func (p *CodePool) codeOf(ctx context.Context, orderID int64) (string, bool, error) {
	var codes []string
	err := p.db.Gorm.WithContext(ctx).Raw(`SELECT code FROM redeem_codes WHERE order_id = ?`, orderID).Scan(&codes).Error
	if err != nil {
		return "", false, fmt.Errorf("read code of order %d: %w", orderID, err)
	}
	if len(codes) == 0 {
		return "", false, nil
	}
	return codes[0], true, nil
}

// claimOne marks the lowest free code of the pool as the order's and returns it; "" when
// there was none.
//
// MySQL cannot UPDATE a table with a subquery on itself, so it locks the code first;
// SKIP LOCKED lets concurrent claims take the next free code instead of queueing behind
// one row lock (MySQL 8, MariaDB 10.6+). When it finds nothing, the free codes left may
// only be locked by claims that could still roll back, so the answer "empty" is taken
// from a plain locking read, which waits for them. SQLite has one writer at a time, so
// its single statement is atomic as it stands.
func (p *CodePool) claimOne(ctx context.Context, awardID, orderID int64, at time.Time) (string, error) {
	db := p.db.Gorm.WithContext(ctx)
	if p.db.Dialect == SQLite {
		var codes []string
		err := db.Raw(`UPDATE redeem_codes SET order_id = ?, claimed_at = ?
			WHERE id = (SELECT id FROM redeem_codes WHERE award_id = ? AND order_id IS NULL ORDER BY id LIMIT 1)
			RETURNING code`, orderID, at, awardID).Scan(&codes).Error
		if err != nil || len(codes) == 0 {
			return "", err
		}
		return codes[0], nil
	}
	for _, lock := range []string{"FOR UPDATE SKIP LOCKED", "FOR UPDATE"} {
		code, err := claimLocked(db, lock, awardID, orderID, at)
		if err != nil || code != "" {
			return code, err
		}
	}
	// Both reads found nothing. Before an order is failed for good, a plain read of what
	// is committed now must agree: under 64 concurrent claims on MariaDB the two locking
	// reads were once seen to miss a code that stayed free.
	var left int64
	if err := db.Raw(`SELECT COUNT(*) FROM redeem_codes WHERE award_id = ? AND order_id IS NULL`, awardID).Scan(&left).Error; err != nil {
		return "", err
	}
	if left > 0 {
		return "", errFreeCodesLeft
	}
	return "", nil
}

// errFreeCodesLeft: the locking reads found no free code, yet one is free: claim again.
var errFreeCodesLeft = errors.New("free codes left after an empty claim")

func claimLocked(db *gorm.DB, lock string, awardID, orderID int64, at time.Time) (string, error) {
	claimed := ""
	err := db.Transaction(func(tx *gorm.DB) error {
		var rows []struct {
			ID   int64
			Code string
		}
		err := tx.Raw(`SELECT id, code FROM redeem_codes WHERE award_id = ? AND order_id IS NULL ORDER BY id LIMIT 1 `+lock,
			awardID).Scan(&rows).Error
		if err != nil || len(rows) == 0 {
			return err
		}
		res := tx.Exec(`UPDATE redeem_codes SET order_id = ?, claimed_at = ? WHERE id = ? AND order_id IS NULL`, orderID, at, rows[0].ID)
		if res.RowsAffected == 1 {
			claimed = rows[0].Code
		}
		return res.Error
	})
	return claimed, err
}
