package jobs

import (
	"context"
	"errors"
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

// Backlog tells how many outbox entries wait for their grant, and since when the oldest.
type Backlog interface {
	Backlog(ctx context.Context) (entries int64, oldest time.Time, err error)
}

// Outbox is the compensation job: every won order's grant event reaches the queue
// eventually, however long the queue was away. With Backlog set it also reports what is
// still waiting ("backlog", and the age of the oldest in "oldest_seconds"): grants falling
// behind show there before any user asks.
type Outbox struct {
	Relay      Republisher
	Backlog    Backlog       // optional
	StaleAfter time.Duration // default DefaultStaleAfter
	Now        func() time.Time
}

func (*Outbox) Name() string { return NameOutbox }

func (j *Outbox) Run(ctx context.Context) (Report, error) {
	stale := j.StaleAfter
	if stale <= 0 {
		stale = DefaultStaleAfter
	}
	sent, failed, err := j.Relay.Compensate(ctx, stale)
	rep := Report{"republished": int64(sent), "failed": int64(failed)}
	if j.Backlog == nil || ctx.Err() != nil {
		return rep, err
	}
	// Measured whether or not the relay worked: while NATS is away the backlog is what
	// an operator's alert watches grow.
	n, oldest, berr := j.Backlog.Backlog(ctx)
	if berr == nil {
		rep["backlog"], rep["oldest_seconds"] = n, 0
		if n > 0 {
			rep["oldest_seconds"] = int64(max(clock(j.Now)().Sub(oldest), 0) / time.Second)
		}
	}
	return rep, errors.Join(err, berr)
}
