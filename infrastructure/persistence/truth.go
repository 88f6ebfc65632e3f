package persistence

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
)

// The snapshot's and the totals' statements read ix_orders_activity_seq alone (a test
// holds them to it): an activity's counters come from its index entries, not its rows.
const (
	// snapshotOrdersSQL streams the activity's orders as (user, day, prize), which Go
	// counts in one pass, so the stock, the users' counts and the pools come from one
	// read. Grouping by user in the database built a temporary table of every user of the
	// activity: for a million orders of 100,000 users that took MariaDB 6.5 s of CPU;
	// sending the rows takes it ~0.2 s, and counting them this process ~0.65 s.
	snapshotOrdersSQL = `SELECT user_id, day, prize_id FROM orders WHERE activity_id = ?`
	// lockedSuffix makes the snapshot a locking read on MySQL: it waits for every order
	// of the activity that is inserted but not yet committed, and counts it if it
	// commits. A writer's INSERTs end within its commit deadline, long before a load reads
	// SQL, but the COMMIT that follows is the server's to finish: a plain read could miss
	// an order whose COMMIT was slow, and its stock and limits would be sold again.
	lockedSuffix = ` LOCK IN SHARE MODE`
	// totalsSQL counts orders by prize, losses (no prize) included: the activity's orders
	// and each prize's wins from one statement, without the users.
	totalsSQL = `SELECT prize_id, COUNT(*) AS total, SUM(CASE WHEN day = ? THEN 1 ELSE 0 END) AS today,
		SUM(CASE WHEN day = ? THEN 1 ELSE 0 END) AS prev_day
		FROM orders WHERE activity_id = ? GROUP BY prize_id`
)

// wins counts one prize's wins, in all, on the snapshot's day and on the day before.
type wins struct{ total, today, prevDay int64 }

// Truth computes an activity's counters from committed orders: what the ledger's Redis
// counters must be rebuilt to after a loss.
type Truth struct {
	db         *gorm.DB
	dialect    Dialect
	activities activity.Repository
	now        func() time.Time
}

// NewTruth implements draw.Truth.
func NewTruth(db *DB, activities activity.Repository, now func() time.Time) *Truth {
	return &Truth{db: db.Gorm, dialect: db.Dialect, activities: activities, now: now}
}

// Snapshot reads the activity and counts its orders: per user, per prize and in all.
func (t *Truth) Snapshot(ctx context.Context, activityID int64, day string) (draw.Snapshot, error) {
	a, err := t.activities.Get(ctx, activityID)
	if err != nil {
		return draw.Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	// The draw that asked for the load may have read its clock before the activity's
	// midnight and the load (after its grace) run after it: the day begun meanwhile has
	// orders already, which its limits must count. Days are YYYY-MM-DD, so they order as
	// strings.
	if today := a.Day(t.now()); today > day {
		day = today
	}
	s := draw.Snapshot{ActivityID: activityID, Day: day, PrevDay: draw.DayBefore(day), Prizes: map[int64]draw.PrizeCount{}}
	users, byPrize, orders, err := t.countOrders(ctx, activityID, day, s.PrevDay)
	if err != nil {
		return s, fmt.Errorf("snapshot orders of %d: %w", activityID, err)
	}
	s.Users, s.StockLeft = users, max(0, a.Stock()-orders)
	if err := t.pools(ctx, a, byPrize, &s); err != nil {
		return s, err
	}
	if s.Blacklist, err = t.Blacklist(ctx); err != nil {
		return s, fmt.Errorf("snapshot: %w", err)
	}
	return s, nil
}

// Blacklist reads every blacklisted user.
func (t *Truth) Blacklist(ctx context.Context) ([]string, error) {
	var ids []string
	if err := t.db.WithContext(ctx).Raw(`SELECT user_id FROM blacklist`).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("blacklist: %w", err)
	}
	return ids, nil
}

// Totals is what reconciliation compares with the ledger: the activity's stock left and
// its prizes' pools, from one statement that groups by prize and leaves the users out
// (Users and Blacklist stay empty).
func (t *Truth) Totals(ctx context.Context, activityID int64, day string) (draw.Snapshot, error) {
	a, err := t.activities.Get(ctx, activityID)
	if err != nil {
		return draw.Snapshot{}, fmt.Errorf("totals: %w", err)
	}
	s := draw.Snapshot{ActivityID: activityID, Day: day, PrevDay: draw.DayBefore(day), Prizes: map[int64]draw.PrizeCount{}}
	var rows []struct {
		PrizeID               sql.NullInt64
		Total, Today, PrevDay int64
	}
	if err := t.db.WithContext(ctx).Raw(totalsSQL, day, s.PrevDay, activityID).Scan(&rows).Error; err != nil {
		return s, fmt.Errorf("totals of %d: %w", activityID, err)
	}
	var orders int64
	byPrize := map[int64]wins{}
	for _, r := range rows {
		orders += r.Total
		if r.PrizeID.Valid {
			byPrize[r.PrizeID.Int64] = wins{total: r.Total, today: r.Today, prevDay: r.PrevDay}
		}
	}
	s.StockLeft = max(0, a.Stock()-orders)
	return s, t.pools(ctx, a, byPrize, &s)
}

// countOrders counts the activity's committed orders, on MySQL in a transaction whose
// locking read waits for commits under way (SQLite has one writer, in this process).
func (t *Truth) countOrders(ctx context.Context, activityID int64, day, prevDay string) (
	users map[string]draw.UserCount, byPrize map[int64]wins, orders int64, err error) {
	db := t.db.WithContext(ctx)
	if t.dialect != MySQL {
		return countOrders(db, snapshotOrdersSQL, activityID, day, prevDay)
	}
	// READ COMMITTED: the locking read takes the activity's index records only. At
	// REPEATABLE READ it would lock the gaps around them too, and so hold up the inserts
	// of the neighbouring activities' new orders, and with them every draw of the process
	// (the order writer puts every activity's orders into one INSERT), for as long as the
	// snapshot ran.
	err = db.Transaction(func(tx *gorm.DB) error {
		users, byPrize, orders, err = countOrders(tx, snapshotOrdersSQL+lockedSuffix, activityID, day, prevDay)
		return err
	}, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	return users, byPrize, orders, err
}

// countOrders counts the activity's orders per user and per prize, in all, on day and on
// prevDay. A user's id is copied once, not once per order.
func countOrders(db *gorm.DB, query string, activityID int64, day, prevDay string) (map[string]draw.UserCount, map[int64]wins, int64, error) {
	rows, err := db.Raw(query, activityID).Rows()
	if err != nil {
		return nil, nil, 0, err
	}
	defer rows.Close()
	counts := map[string]*draw.UserCount{}
	byPrize := map[int64]wins{}
	var orders int64
	var user, d sql.RawBytes
	var prize sql.NullInt64
	for rows.Next() {
		if err := rows.Scan(&user, &d, &prize); err != nil {
			return nil, nil, 0, err
		}
		today, before := string(d) == day, prevDay != "" && string(d) == prevDay
		c := counts[string(user)]
		if c == nil {
			c = new(draw.UserCount)
			counts[string(user)] = c
		}
		c.Total++
		if today {
			c.Today++
		}
		if before {
			c.PrevDay++
		}
		if prize.Valid {
			w := byPrize[prize.Int64]
			w.total++
			if today {
				w.today++
			}
			if before {
				w.prevDay++
			}
			byPrize[prize.Int64] = w
		}
		orders++
	}
	if err := rows.Err(); err != nil {
		return nil, nil, 0, err
	}
	users := make(map[string]draw.UserCount, len(counts))
	for u, c := range counts {
		users[u] = *c
	}
	return users, byPrize, orders, nil
}

// pools sets each prize's pool from its wins: what its plan has released by now (or what
// the release job recorded, if more) minus the wins.
func (t *Truth) pools(ctx context.Context, a *activity.Activity, byPrize map[int64]wins, s *draw.Snapshot) error {
	recorded, err := t.recordedReleases(ctx, a)
	if err != nil {
		return err
	}
	// Not before begin_at: an activity started (and loaded) just ahead of its window has
	// the units due at begin in its pools when the window opens; draws wait for it anyway.
	now := t.now()
	if now.Before(a.BeginAt()) {
		now = a.BeginAt()
	}
	for _, p := range a.Strategy().Prizes() {
		// What the release job recorded counts too: a process whose clock runs behind the
		// job's must not take back units the job already put into the pool.
		released := min(max(p.ReleasedBy(a.BeginAt(), a.EndAt(), now), recorded[p.ID]), max(p.Stock, 0))
		w := byPrize[p.ID]
		s.Prizes[p.ID] = draw.PrizeCount{Pool: max(0, released-w.total), WinsOnDay: w.today, WinsOnPrevDay: w.prevDay, Released: released}
	}
	return nil
}

// recordedReleases reads prize_releases for the activity's prizes with a release plan.
func (t *Truth) recordedReleases(ctx context.Context, a *activity.Activity) (map[int64]int64, error) {
	var ids []int64
	for _, p := range a.Strategy().Prizes() {
		if p.Release != nil {
			ids = append(ids, p.ID)
		}
	}
	out := make(map[int64]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []releaseRow
	if err := t.db.WithContext(ctx).Where("prize_id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("snapshot releases of %d: %w", a.ID(), err)
	}
	for _, r := range rows {
		out[r.PrizeID] = r.Released
	}
	return out, nil
}

// recentUsersSQL reads the activity's latest orders' users from ix_orders_activity_seq
// alone, newest first; userCountsSQL counts a few users' orders through ix_orders_user.
const (
	recentUsersSQL = `SELECT user_id FROM orders WHERE activity_id = ? ORDER BY id DESC LIMIT ?`
	userCountsSQL  = `SELECT user_id, COUNT(*) AS total, SUM(CASE WHEN day = ? THEN 1 ELSE 0 END) AS today
		FROM orders WHERE user_id IN ? AND activity_id = ? GROUP BY user_id`
)

// RecentUsers returns up to n distinct users among the activity's latest orders, the users
// whose counters matter now, for reconciliation to sample.
func (t *Truth) RecentUsers(ctx context.Context, activityID int64, n int) ([]string, error) {
	var ids []string
	if err := t.db.WithContext(ctx).Raw(recentUsersSQL, activityID, 4*n).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("recent users of %d: %w", activityID, err)
	}
	out := make([]string, 0, n)
	seen := make(map[string]bool, n)
	for _, id := range ids {
		if !seen[id] && len(out) < n {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// UserCounts counts users' orders in the activity, in all and on day; a user without
// orders is absent.
func (t *Truth) UserCounts(ctx context.Context, activityID int64, day string, users []string) (map[string]draw.UserCount, error) {
	out := make(map[string]draw.UserCount, len(users))
	if len(users) == 0 {
		return out, nil
	}
	var rows []struct {
		UserID       string
		Total, Today int64
	}
	if err := t.db.WithContext(ctx).Raw(userCountsSQL, day, users, activityID).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("user counts of %d: %w", activityID, err)
	}
	for _, r := range rows {
		out[r.UserID] = draw.UserCount{Total: r.Total, Today: r.Today}
	}
	return out, nil
}
