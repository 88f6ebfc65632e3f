package persistence

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
)

// The snapshot's aggregates read ix_orders_activity_seq alone (a test holds them to it):
// an activity's counters after a loss of Redis come from its index entries, not its rows.
const (
	snapshotUsersSQL = `SELECT user_id, COUNT(*) AS total, SUM(CASE WHEN day = ? THEN 1 ELSE 0 END) AS today
		FROM orders WHERE activity_id = ? GROUP BY user_id`
	snapshotPrizesSQL = `SELECT prize_id, COUNT(*) AS total, SUM(CASE WHEN day = ? THEN 1 ELSE 0 END) AS today
		FROM orders WHERE activity_id = ? AND prize_id IS NOT NULL GROUP BY prize_id`
)

// Truth computes an activity's counters from committed orders: what the ledger's Redis
// counters must be rebuilt to after a loss.
type Truth struct {
	db         *gorm.DB
	activities activity.Repository
	now        func() time.Time
}

// NewTruth implements draw.Truth.
func NewTruth(db *DB, activities activity.Repository, now func() time.Time) *Truth {
	return &Truth{db: db.Gorm, activities: activities, now: now}
}

// Snapshot reads the activity and aggregates its orders.
func (t *Truth) Snapshot(ctx context.Context, activityID int64, day string) (draw.Snapshot, error) {
	a, err := t.activities.Get(ctx, activityID)
	if err != nil {
		return draw.Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	db := t.db.WithContext(ctx)
	s := draw.Snapshot{ActivityID: activityID, Day: day, Users: map[string]draw.UserCount{}, Prizes: map[int64]draw.PrizeCount{}}

	var users []struct {
		UserID       string
		Total, Today int64
	}
	err = db.Raw(snapshotUsersSQL, day, activityID).Scan(&users).Error
	if err != nil {
		return s, fmt.Errorf("snapshot users of %d: %w", activityID, err)
	}
	var orders int64
	for _, u := range users {
		s.Users[u.UserID] = draw.UserCount{Total: u.Total, Today: u.Today}
		orders += u.Total
	}
	s.StockLeft = max(0, a.Stock()-orders)

	if err := t.prizes(ctx, a, day, &s); err != nil {
		return s, err
	}
	if err := db.Raw(`SELECT user_id FROM blacklist`).Scan(&s.Blacklist).Error; err != nil {
		return s, fmt.Errorf("snapshot blacklist: %w", err)
	}
	return s, nil
}

// prizes sets each prize's pool to what its plan has released by now minus its wins.
func (t *Truth) prizes(ctx context.Context, a *activity.Activity, day string, s *draw.Snapshot) error {
	var wins []struct {
		PrizeID      int64
		Total, Today int64
	}
	err := t.db.WithContext(ctx).Raw(snapshotPrizesSQL, day, a.ID()).Scan(&wins).Error
	if err != nil {
		return fmt.Errorf("snapshot prizes of %d: %w", a.ID(), err)
	}
	byPrize := map[int64][2]int64{}
	for _, w := range wins {
		byPrize[w.PrizeID] = [2]int64{w.Total, w.Today}
	}
	recorded, err := t.recordedReleases(ctx, a)
	if err != nil {
		return err
	}
	now := t.now()
	for _, p := range a.Strategy().Prizes() {
		// What the release job recorded counts too: a process whose clock runs behind the
		// job's must not take back units the job already put into the pool.
		released := min(max(p.ReleasedBy(a.BeginAt(), a.EndAt(), now), recorded[p.ID]), max(p.Stock, 0))
		w := byPrize[p.ID]
		s.Prizes[p.ID] = draw.PrizeCount{Pool: max(0, released-w[0]), WinsOnDay: w[1], Released: released}
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
