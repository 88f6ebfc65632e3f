package persistence

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/lottery-go/lottery/domain/draw"
)

// OutboxRepo is the relay's side of the outbox table; it implements draw.Outbox.
type OutboxRepo struct {
	db *DB
}

// NewOutboxRepo uses db, which must be migrated.
func NewOutboxRepo(db *DB) *OutboxRepo { return &OutboxRepo{db: db} }

var _ draw.Outbox = (*OutboxRepo)(nil)

type outboxRow struct {
	OrderID  int64
	Subject  string
	Payload  string
	Attempts int
}

// Pending returns entries not relayed yet, oldest first. A pending entry's next_attempt_at
// is its creation time, so ix_outbox_due (state, next_attempt_at) serves the order.
func (r *OutboxRepo) Pending(ctx context.Context, limit int) ([]draw.OutboxEntry, error) {
	var rows []outboxRow
	err := r.db.Gorm.WithContext(ctx).Table("outbox").Select("order_id, subject, payload, attempts").
		Where("state = ?", string(draw.MQPending)).Order("next_attempt_at").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read pending outbox: %w", err)
	}
	return outboxEntries(rows), nil
}

// Overdue returns failed entries due by now and pending ones older than staleBefore.
func (r *OutboxRepo) Overdue(ctx context.Context, now, staleBefore time.Time, limit int) ([]draw.OutboxEntry, error) {
	var rows []outboxRow
	err := r.db.Gorm.WithContext(ctx).Table("outbox").Select("order_id, subject, payload, attempts").
		Where("(state = ? AND next_attempt_at <= ?) OR (state = ? AND next_attempt_at <= ?)",
			string(draw.MQFailed), now.UTC(), string(draw.MQPending), staleBefore.UTC()).
		Order("next_attempt_at").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read overdue outbox: %w", err)
	}
	return outboxEntries(rows), nil
}

func outboxEntries(rows []outboxRow) []draw.OutboxEntry {
	out := make([]draw.OutboxEntry, len(rows))
	for i, row := range rows {
		out[i] = draw.OutboxEntry{OrderID: row.OrderID, Subject: row.Subject, Payload: []byte(row.Payload), Attempts: row.Attempts}
	}
	return out
}

// MarkSent sets the entries and their orders to sent in one transaction.
func (r *OutboxRepo) MarkSent(ctx context.Context, orderIDs []int64) error {
	if len(orderIDs) == 0 {
		return nil
	}
	now := time.Now().UTC()
	err := r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Exec(`UPDATE outbox SET state = ?, last_error = '' WHERE order_id IN ? AND state <> ?`,
			string(draw.MQSent), orderIDs, string(draw.MQSent)).Error
		if err != nil {
			return err
		}
		return tx.Exec(`UPDATE orders SET mq_state = ?, updated_at = ? WHERE id IN ? AND mq_state <> ?`,
			string(draw.MQSent), now, orderIDs, string(draw.MQSent)).Error
	})
	if err != nil {
		return fmt.Errorf("mark %d outbox entries sent: %w", len(orderIDs), err)
	}
	return nil
}

// maxLastError is the width of outbox.last_error.
const maxLastError = 500

// MarkFailed counts a failed attempt and schedules the next one; a sent entry stays sent
// (another relay may have succeeded meanwhile).
func (r *OutboxRepo) MarkFailed(ctx context.Context, orderID int64, reason string, next time.Time) error {
	reason = truncateRunes(reason, maxLastError)
	err := r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = ?
			WHERE order_id = ? AND state <> ?`,
			string(draw.MQFailed), reason, next.UTC(), orderID, string(draw.MQSent))
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return tx.Exec(`UPDATE orders SET mq_state = ?, updated_at = ? WHERE id = ? AND mq_state <> ?`,
			string(draw.MQFailed), time.Now().UTC(), orderID, string(draw.MQSent)).Error
	})
	if err != nil {
		return fmt.Errorf("mark outbox entry %d failed: %w", orderID, err)
	}
	return nil
}

// truncateRunes cuts s to at most n runes (VARCHAR widths count characters).
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
