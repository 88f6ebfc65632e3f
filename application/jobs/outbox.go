package jobs

import (
	"context"
	"time"
)

// Republisher relays outbox entries again.
type Republisher interface {
	// Compensate republishes failed entries that are due and pending entries older than
	// staleAfter.
	Compensate(ctx context.Context, staleAfter time.Duration) (sent, failed int, err error)
}

// DefaultStaleAfter is when a pending outbox entry counts as forgotten: far beyond the
// relay's kick-to-publish time, so compensation does not race a healthy relay.
const DefaultStaleAfter = 30 * time.Second

// Outbox is the compensation job: every won order's grant event reaches the queue
// eventually, however long the queue was away.
type Outbox struct {
	Relay      Republisher
	StaleAfter time.Duration // default DefaultStaleAfter
}

func (*Outbox) Name() string { return NameOutbox }

func (j *Outbox) Run(ctx context.Context) (Report, error) {
	stale := j.StaleAfter
	if stale <= 0 {
		stale = DefaultStaleAfter
	}
	sent, failed, err := j.Relay.Compensate(ctx, stale)
	return Report{"republished": int64(sent), "failed": int64(failed)}, err
}
