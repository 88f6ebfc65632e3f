package persistence

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
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
	err = db.Raw(`SELECT user_id, COUNT(*) AS total, SUM(CASE WHEN day = ? THEN 1 ELSE 0 END) AS today
		FROM orders WHERE activity_id = ? GROUP BY user_id`, day, activityID).Scan(&users).Error
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
	err := t.db.WithContext(ctx).Raw(`SELECT prize_id, COUNT(*) AS total, SUM(CASE WHEN day = ? THEN 1 ELSE 0 END) AS today
		FROM orders WHERE activity_id = ? AND prize_id IS NOT NULL GROUP BY prize_id`, day, a.ID()).Scan(&wins).Error
	if err != nil {
		return fmt.Errorf("snapshot prizes of %d: %w", a.ID(), err)
	}
	byPrize := map[int64][2]int64{}
	for _, w := range wins {
		byPrize[w.PrizeID] = [2]int64{w.Total, w.Today}
	}
	now := t.now()
	for _, p := range a.Strategy().Prizes() {
		released := p.ReleasedBy(a.BeginAt(), a.EndAt(), now)
		w := byPrize[p.ID]
		s.Prizes[p.ID] = draw.PrizeCount{Pool: max(0, released-w[0]), WinsOnDay: w[1]}
	}
	return nil
}
