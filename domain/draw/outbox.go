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
	Attempts int // relays so far that failed or had to be repeated
	// Deliveries are the grant deliveries its earlier messages had: a grant that failed
	// waits in the outbox for its next attempt, and its next message carries the count.
	Deliveries int
	// HandedBack counts the times a granter gave the grant back to wait in the outbox: each
	// publish after one is a new message, not a repeat of the one it came in.
	HandedBack int
}

// Outbox is what the relay reads and updates. An entry stays in the outbox until its
// grant is recorded: the grant's transaction removes it and sets the order's mq_state to
// MQSent, so a delivery is confirmed end to end rather than by the queue's acknowledgement
// alone. The relay publishes fresh entries from memory without touching the outbox; only
// failures and compensation write to it.
type Outbox interface {
	// Overdue returns up to limit entries that need another relay: failed ones whose next
	// attempt is due by now, and pending ones whose next attempt (at first their creation
	// time) is older than staleBefore: their relay died, or their grant never came.
	Overdue(ctx context.Context, now, staleBefore time.Time, limit int) ([]OutboxEntry, error)
	// MarkRetried records that the entries were published again: pending once more, one
	// attempt more, next looked at after next (plus the staleness allowance). Only entries
	// still due by dueBy (the time they were selected by) are marked: one a granter has
	// deferred or postponed meanwhile keeps that.
	MarkRetried(ctx context.Context, orderIDs []int64, next, dueBy time.Time) error
	// MarkFailed records a failed relay of the entries and when to try again; the orders'
	// mq_state becomes MQFailed unless their grant was recorded meanwhile.
	MarkFailed(ctx context.Context, orderIDs []int64, reason string, next time.Time) error
}
