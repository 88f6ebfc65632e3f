package jobs

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
)

// Journal is the ledger's record of admissions whose orders were neither settled nor
// undone.
type Journal interface {
	Pending(ctx context.Context, olderThan time.Duration) ([]draw.JournalEntry, error)
	Recover(ctx context.Context, e draw.JournalEntry, orderExists bool) error
}

// DefaultRecoverAfter is the least age from which a journal entry is a crash's leftover.
// An entry must be older than the latest its order can still commit (its commit deadline
// plus one commit attempt); the server sets OlderThan from its settings, never below this.
const DefaultRecoverAfter = 30 * time.Second

// Orders tells whether an order is committed. It must not answer "no" for an order whose
// commit is still under way: it waits for it to end (on MySQL, a locking read).
type Orders interface {
	Committed(ctx context.Context, orderID int64) (bool, error)
}

// Recovery is admission recovery: an entry whose order is in SQL is dropped, any other is
// undone, giving the user's chance and the stock back.
type Recovery struct {
	Journal   Journal
	Orders    Orders
	OlderThan time.Duration // default DefaultRecoverAfter
	// WaitPerOrder bounds how long one entry's question to SQL waits for a commit under
	// way; default DefaultWaitPerOrder.
	WaitPerOrder time.Duration
}

func (*Recovery) Name() string { return NameRecovery }

func (j *Recovery) Run(ctx context.Context) (Report, error) {
	older := j.OlderThan
	if older <= 0 {
		older = DefaultRecoverAfter
	}
	entries, err := j.Journal.Pending(ctx, older)
	if err != nil {
		return nil, err
	}
	rep := Report{"settled": 0, "undone": 0, "waiting": 0}
	var firstErr error
	for _, e := range entries {
		exists, err := j.committed(ctx, e.OrderID)
		if err != nil {
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			// A transaction still holds the order (or SQL is slow): the entry waits for the
			// next run, and the others are not held up behind it.
			rep["waiting"]++
			firstErr = cmp.Or(firstErr, fmt.Errorf("recover order %d: %w", e.OrderID, err))
			continue
		}
		if err := j.Journal.Recover(ctx, e, exists); err != nil {
			return rep, err
		}
		if exists {
			rep["settled"]++
		} else {
			rep["undone"]++
		}
	}
	return rep, firstErr
}

// DefaultWaitPerOrder is how long one entry's question to SQL waits for a commit under way
// before the entry is left for the next run.
const DefaultWaitPerOrder = 5 * time.Second

func (j *Recovery) committed(ctx context.Context, orderID int64) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(j.WaitPerOrder, DefaultWaitPerOrder))
	defer cancel()
	return j.Orders.Committed(ctx, orderID)
}
