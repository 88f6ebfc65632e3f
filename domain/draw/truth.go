package draw

import "context"

// Truth is the SQL view of an activity from which the ledger's counters are (re)built.
// Redis only caches these numbers; whenever they are in doubt they are loaded again.
type Truth interface {
	Snapshot(ctx context.Context, activityID int64, day string) (Snapshot, error)
}

// Snapshot is an activity's counters as committed orders define them, for one local day.
type Snapshot struct {
	ActivityID int64
	Day        string
	StockLeft  int64                // activity stock − orders
	Users      map[string]UserCount // users with orders: total and on Day
	Prizes     map[int64]PrizeCount // per prize: pool left (released − wins), wins on Day
	Blacklist  []string
}

// UserCount is one user's orders in one activity.
type UserCount struct{ Total, Today int64 }

// PrizeCount is one prize's pool left, its wins on the snapshot's day and how many of its
// units a release plan has released so far (its whole stock when it has no plan). The
// ledger keeps Released next to the pool, so a later release adds only what is new.
type PrizeCount struct{ Pool, WinsOnDay, Released int64 }
