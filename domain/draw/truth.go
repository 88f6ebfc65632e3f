package draw

import (
	"context"
	"time"
)

// Truth is the SQL view of an activity from which the ledger's counters are (re)built.
// Redis only caches these numbers; whenever they are in doubt they are loaded again.
type Truth interface {
	// Snapshot counts the activity's orders on day and the day before, or on the
	// activity's own day and the day before it when that is later (a load asked for just
	// before midnight that runs just after it); Snapshot.Day says which.
	Snapshot(ctx context.Context, activityID int64, day string) (Snapshot, error)
	// Blacklist reads the blacklist alone, for a load that a blacklisting overtook.
	Blacklist(ctx context.Context) ([]string, error)
}

// Snapshot is an activity's counters as committed orders define them, for one local day
// and the day before it: around midnight, draws that began on the day before may still be
// admitted after a load for the new day, and are held to that day's limits.
type Snapshot struct {
	ActivityID int64
	Day        string
	PrevDay    string               // the local day before Day; "" when not counted
	StockLeft  int64                // activity stock − orders
	Users      map[string]UserCount // users with orders: total, on Day and on PrevDay
	Prizes     map[int64]PrizeCount // per prize: pool left (released − wins), wins on Day and PrevDay
	Blacklist  []string
}

// UserCount is one user's orders in one activity: in all, on the snapshot's day and on
// the day before.
type UserCount struct{ Total, Today, PrevDay int64 }

// PrizeCount is one prize's pool left, its wins on the snapshot's day (and the day
// before) and how many of its units a release plan has released so far (its whole stock
// when it has no plan). The ledger keeps Released next to the pool, so a later release
// adds only what is new.
type PrizeCount struct{ Pool, WinsOnDay, WinsOnPrevDay, Released int64 }

// DayBefore is the calendar day before day (YYYY-MM-DD), or "" when day is not one.
func DayBefore(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, -1).Format(time.DateOnly)
}
