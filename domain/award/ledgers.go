package award

import (
	"context"
	"time"
)

// CodePool hands out redeem codes.
type CodePool interface {
	// Claim gives order one unused code of the award's pool and returns it. The same order
	// always gets the same code and a code never goes to two orders; ErrPoolEmpty when no
	// code is left.
	Claim(ctx context.Context, awardID, orderID int64, at time.Time) (string, error)
}

// PointsEntry is one line of a user's points ledger. OrderID is 0 for entries that no
// order caused.
type PointsEntry struct {
	ID      int64
	UserID  string
	OrderID int64
	Delta   int64
	Reason  string
	At      time.Time
}

// PointsLedger keeps users' points.
type PointsLedger interface {
	// Credit adds e to the ledger once per order: crediting the same order again changes
	// nothing.
	Credit(ctx context.Context, e PointsEntry) error
	// Balance is the sum of a user's entries.
	Balance(ctx context.Context, userID string) (int64, error)
	// Entries lists a user's entries newest first, with ids below beforeID (0 = from the
	// newest), at most limit of them.
	Entries(ctx context.Context, userID string, beforeID int64, limit int) ([]PointsEntry, error)
}
