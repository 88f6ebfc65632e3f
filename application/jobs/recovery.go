package jobs

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
)

// Journal is the ledger's record of admissions whose orders were neither settled nor
// undone.
type Journal interface {
	// Pending lists the entries admitted more than olderThan ago by the ledger's clock;
	// Recovery asks for them all and ages them on its own clock.
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
//
// An entry's age is measured on the job's own clock, from the run that first saw it, not
// from the time the ledger stamped on it: a clock of the ledger's server that jumped
// forward would otherwise make an admission whose order is still on its way look old, and
// its undo would let the order commit without the stock it took. So the entries of a
// process that crashed are recovered OlderThan after the first run that saw them, by the
// process running the job.
type Recovery struct {
	Journal   Journal
	Orders    Orders
	OlderThan time.Duration // default DefaultRecoverAfter
	// WaitPerOrder bounds how long one entry's question to SQL waits for a commit under
	// way; default DefaultWaitPerOrder.
	WaitPerOrder time.Duration
	// Now is the job's clock, default time.Now (whose monotonic reading no clock step
	// moves).
	Now func() time.Time

	mu   sync.Mutex
	seen map[int64]time.Time // the pending entries, by order id: when a run first saw them
}

func (*Recovery) Name() string { return NameRecovery }

func (j *Recovery) Run(ctx context.Context) (Report, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	all, err := j.Journal.Pending(ctx, 0)
	if err != nil {
		return nil, err
	}
	entries, held := j.due(all)
	rep := Report{"settled": 0, "undone": 0, "waiting": 0, "watching": int64(held)}
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

// due returns the entries first seen at least OlderThan ago, and remembers when the others
// were first seen; entries no longer pending are forgotten. held counts the entries not yet
// due that an earlier run saw already: under load most entries a run sees are admissions
// whose orders commit a moment later, which are not worth a word.
func (j *Recovery) due(all []draw.JournalEntry) (due []draw.JournalEntry, held int) {
	older := j.olderThan()
	now := time.Now()
	if j.Now != nil {
		now = j.Now()
	}
	seen := make(map[int64]time.Time, len(all))
	for _, e := range all {
		first, ok := j.seen[e.OrderID]
		if !ok {
			first = now
		}
		seen[e.OrderID] = first
		switch {
		case now.Sub(first) >= older:
			due = append(due, e)
		case ok:
			held++
		}
	}
	j.seen = seen
	return due, held
}

// Watched is how many pending entries the last run saw and left to age: a one-off run
// (lottery jobs run recovery) that saw some runs again once they are due.
func (j *Recovery) Watched() (entries int, dueIn time.Duration) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.seen), j.olderThan()
}

func (j *Recovery) olderThan() time.Duration {
	if j.OlderThan <= 0 {
		return DefaultRecoverAfter
	}
	return j.OlderThan
}

// DefaultWaitPerOrder is how long one entry's question to SQL waits for a commit under way
// before the entry is left for the next run.
const DefaultWaitPerOrder = 5 * time.Second

func (j *Recovery) committed(ctx context.Context, orderID int64) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(j.WaitPerOrder, DefaultWaitPerOrder))
	defer cancel()
	return j.Orders.Committed(ctx, orderID)
}
