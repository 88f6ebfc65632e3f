package persistence

import (
	"context"
	"fmt"
	"time"

	"github.com/lottery-go/lottery/domain/award"
)

// PointsRepo is the points ledger; it implements award.PointsLedger.
type PointsRepo struct {
	db *DB
}

// NewPointsRepo uses db, which must be migrated.
func NewPointsRepo(db *DB) *PointsRepo { return &PointsRepo{db: db} }

var _ award.PointsLedger = (*PointsRepo)(nil)

type pointsRow struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    string
	OrderID   *int64
	Delta     int64
	Reason    string
	CreatedAt time.Time
}

func (pointsRow) TableName() string { return "points_ledger" }

// maxPointsReason is the width of points_ledger.reason.
const maxPointsReason = 200

// Credit inserts the entry unless its order already has one (unique order_id), so a
// redelivered grant credits once.
func (r *PointsRepo) Credit(ctx context.Context, e award.PointsEntry) error {
	row := pointsRow{UserID: e.UserID, OrderID: ptrID(e.OrderID), Delta: e.Delta,
		Reason: truncateRunes(e.Reason, maxPointsReason), CreatedAt: e.At.UTC()}
	err := r.db.Gorm.WithContext(ctx).Clauses(r.db.skipDuplicates()).Create(&row).Error
	if err != nil {
		return fmt.Errorf("credit %d points to %s for order %d: %w", e.Delta, e.UserID, e.OrderID, err)
	}
	return nil
}

func ptrID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// Balance sums the user's entries.
func (r *PointsRepo) Balance(ctx context.Context, userID string) (int64, error) {
	var sum int64
	err := r.db.Gorm.WithContext(ctx).Raw(`SELECT COALESCE(SUM(delta), 0) FROM points_ledger WHERE user_id = ?`, userID).
		Scan(&sum).Error
	if err != nil {
		return 0, fmt.Errorf("points balance of %s: %w", userID, err)
	}
	return sum, nil
}

// Entries lists the user's entries newest first (by id, which grows with every insert).
func (r *PointsRepo) Entries(ctx context.Context, userID string, beforeID int64, limit int) ([]award.PointsEntry, error) {
	q := r.db.Gorm.WithContext(ctx).Where("user_id = ?", userID)
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var rows []pointsRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("points entries of %s: %w", userID, err)
	}
	out := make([]award.PointsEntry, len(rows))
	for i, row := range rows {
		out[i] = award.PointsEntry{ID: row.ID, UserID: row.UserID, Delta: row.Delta, Reason: row.Reason, At: row.CreatedAt.UTC()}
		if row.OrderID != nil {
			out[i].OrderID = *row.OrderID
		}
	}
	return out, nil
}
