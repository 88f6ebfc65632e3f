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
	OrderID       int64
	Subject       string
	Payload       string
	Attempts      int
	Deliveries    int
	HandedBack    int
	NextAttemptAt time.Time
}

// Overdue returns failed entries due by now and pending ones whose next look is before
// staleBefore, the most overdue first. A pending entry's next_attempt_at is its creation
// time (or, once republished, when it may be looked at again), so ix_outbox_due (state,
// next_attempt_at) serves both. Each state is read on its own, as a range of that index in
// its order that stops at limit: one statement over both states would have to read and
// sort every due entry for each batch, and a backlog of n entries left by an outage would
// take n²/limit rows to drain.
func (r *OutboxRepo) Overdue(ctx context.Context, now, staleBefore time.Time, limit int) ([]draw.OutboxEntry, error) {
	failed, err := r.due(ctx, draw.MQFailed, now, limit)
	if err != nil {
		return nil, err
	}
	pending, err := r.due(ctx, draw.MQPending, staleBefore, limit)
	if err != nil {
		return nil, err
	}
	return mergeDue(failed, pending, limit), nil
}

// overdueSQL reads the entries of one state whose next look is due, in ix_outbox_due's
// order.
const overdueSQL = `SELECT order_id, subject, payload, attempts, deliveries, handed_back, next_attempt_at FROM outbox
	WHERE state = ? AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`

func (r *OutboxRepo) due(ctx context.Context, state draw.MQState, by time.Time, limit int) ([]outboxRow, error) {
	var rows []outboxRow
	if err := r.db.Gorm.WithContext(ctx).Raw(overdueSQL, string(state), by.UTC(), limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("read overdue outbox (%s): %w", state, err)
	}
	return rows, nil
}

// mergeDue takes the limit most overdue of two lists, each in next_attempt_at's order.
func mergeDue(a, b []outboxRow, limit int) []draw.OutboxEntry {
	out := make([]draw.OutboxEntry, 0, min(limit, len(a)+len(b)))
	for len(out) < limit && (len(a) > 0 || len(b) > 0) {
		var row outboxRow
		if len(b) == 0 || (len(a) > 0 && !b[0].NextAttemptAt.Before(a[0].NextAttemptAt)) {
			row, a = a[0], a[1:]
		} else {
			row, b = b[0], b[1:]
		}
		out = append(out, draw.OutboxEntry{OrderID: row.OrderID, Subject: row.Subject, Payload: []byte(row.Payload),
			Attempts: row.Attempts, Deliveries: row.Deliveries, HandedBack: row.HandedBack})
	}
	return out
}

// MarkRetried makes republished entries pending again with one attempt more; an order
// whose last publish had failed is pending again too. last_error stays: the order desk
// shows why the grant's last try failed while it is tried again. Like MarkFailed it locks
// the orders before their outbox rows, in the order a grant's transaction does, so the two
// cannot deadlock.
func (r *OutboxRepo) MarkRetried(ctx context.Context, orderIDs []int64, next, dueBy time.Time) error {
	if len(orderIDs) == 0 {
		return nil
	}
	err := r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Exec(`UPDATE orders SET mq_state = ?, updated_at = ? WHERE id IN ? AND mq_state = ?`,
			string(draw.MQPending), time.Now().UTC(), orderIDs, string(draw.MQFailed)).Error
		if err != nil {
			return err
		}
		return tx.Exec(`UPDATE outbox SET state = ?, attempts = attempts + 1, next_attempt_at = ?
			WHERE order_id IN ? AND next_attempt_at <= ?`, string(draw.MQPending), next.UTC(), orderIDs, dueBy.UTC()).Error
	})
	if err != nil {
		return fmt.Errorf("mark %d outbox entries republished: %w", len(orderIDs), err)
	}
	return nil
}

// Postpone keeps the pending entries of orderIDs from compensation until until: the grant
// consumer holds their events and delivers them again then, so a copy would only add load.
// An entry is looked at again staleAfter past until, as one just written.
func (r *OutboxRepo) Postpone(ctx context.Context, orderIDs []int64, until time.Time) error {
	if len(orderIDs) == 0 {
		return nil
	}
	err := r.db.Gorm.WithContext(ctx).Exec(`UPDATE outbox SET next_attempt_at = ?
		WHERE order_id IN ? AND state = ? AND next_attempt_at < ?`,
		until.UTC(), orderIDs, string(draw.MQPending), until.UTC()).Error
	if err != nil {
		return fmt.Errorf("postpone %d outbox entries: %w", len(orderIDs), err)
	}
	return nil
}

// Defer hands grants that failed back to the outbox until their next attempt: failed and
// due at until, with the deliveries they have had and one hand-back more, so compensation
// publishes them again then, under a new message id. It leaves the orders' mq_state
// alone: their events were published. An entry gone (granted meanwhile) is left gone.
func (r *OutboxRepo) Defer(ctx context.Context, orderIDs []int64, deliveries int, until time.Time, reason string) error {
	if len(orderIDs) == 0 {
		return nil
	}
	// deliveries never go down: copies of one event with fewer behind them may fail later.
	err := r.db.Gorm.WithContext(ctx).Exec(`UPDATE outbox SET state = ?, next_attempt_at = ?, last_error = ?,
		deliveries = CASE WHEN deliveries > ? THEN deliveries ELSE ? END, handed_back = handed_back + 1
		WHERE order_id IN ?`, string(draw.MQFailed), until.UTC(), truncateRunes(reason, maxLastError), deliveries, deliveries, orderIDs).Error
	if err != nil {
		return fmt.Errorf("defer %d outbox entries: %w", len(orderIDs), err)
	}
	return nil
}

// Backlog counts the entries waiting for their grant and finds when the oldest was made.
// It reads created_at, not the first order id: a failed grant sent again keeps its order's
// id and is made anew. Both read the whole table, which holds only the grants in flight.
func (r *OutboxRepo) Backlog(ctx context.Context) (entries int64, oldest time.Time, err error) {
	db := r.db.Gorm.WithContext(ctx)
	if err := db.Table("outbox").Count(&entries).Error; err != nil {
		return 0, time.Time{}, fmt.Errorf("outbox backlog: %w", err)
	}
	if entries == 0 {
		return 0, time.Time{}, nil
	}
	// Ordered rather than MIN(): SQLite's aggregate would lose the column's time type.
	var at []time.Time
	if err := db.Table("outbox").Order("created_at").Limit(1).Pluck("created_at", &at).Error; err != nil {
		return entries, time.Time{}, fmt.Errorf("outbox backlog: oldest: %w", err)
	}
	if len(at) > 0 {
		oldest = at[0].UTC()
	}
	return entries, oldest, nil
}

// maxLastError is the width of outbox.last_error.
const maxLastError = 500

// MarkFailed counts a failed attempt of each entry and schedules the next one. An entry
// whose grant was recorded meanwhile is gone from the outbox and its order stays sent.
func (r *OutboxRepo) MarkFailed(ctx context.Context, orderIDs []int64, reason string, next time.Time) error {
	if len(orderIDs) == 0 {
		return nil
	}
	reason = truncateRunes(reason, maxLastError)
	err := r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Exec(`UPDATE orders SET mq_state = ?, updated_at = ? WHERE id IN ? AND mq_state <> ?`,
			string(draw.MQFailed), time.Now().UTC(), orderIDs, string(draw.MQSent)).Error
		if err != nil {
			return err
		}
		return tx.Exec(`UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = ?
			WHERE order_id IN ?`, string(draw.MQFailed), reason, next.UTC(), orderIDs).Error
	})
	if err != nil {
		return fmt.Errorf("mark %d outbox entries failed: %w", len(orderIDs), err)
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
