package draw

import (
	"context"
	"time"
)

// OutboxEntry is the grant event of one won order. It is written in the same transaction
// as the order, so a committed win always has its event, and is relayed to the message
// queue afterwards.
type OutboxEntry struct {
	OrderID  int64
	Subject  string
	Payload  []byte
	Attempts int // failed relays so far
}

// Outbox is what the relay reads and updates. An entry moves from MQPending to MQSent, or
// to MQFailed with a next attempt, and the order's mq_state follows it.
type Outbox interface {
	// Pending returns up to limit entries not relayed yet, oldest first.
	Pending(ctx context.Context, limit int) ([]OutboxEntry, error)
	// Overdue returns up to limit entries that need another relay: failed ones whose next
	// attempt is due by now, and pending ones older than staleBefore (their relay died or
	// never heard of them), oldest first.
	Overdue(ctx context.Context, now, staleBefore time.Time, limit int) ([]OutboxEntry, error)
	// MarkSent records that the queue acknowledged the entries.
	MarkSent(ctx context.Context, orderIDs []int64) error
	// MarkFailed records a failed relay and when to try again. An entry already sent
	// stays sent.
	MarkFailed(ctx context.Context, orderID int64, reason string, next time.Time) error
}
