package persistence

import (
	"context"
	"fmt"
	"time"
)

// releaseRow is a row of prize_releases: how much of a prize's stock its release plan has
// put into the pool so far.
type releaseRow struct {
	PrizeID   int64 `gorm:"primaryKey;autoIncrement:false"`
	Released  int64
	UpdatedAt time.Time
}

func (releaseRow) TableName() string { return "prize_releases" }

// ReleaseRepo records what the release job released.
type ReleaseRepo struct {
	db *DB
}

// NewReleaseRepo uses db, which must be migrated.
func NewReleaseRepo(db *DB) *ReleaseRepo { return &ReleaseRepo{db: db} }

// RecordRelease raises the prize's released amount to released; it never lowers it, so
// two job runs that race (or a run with an older clock) cannot take a release back.
func (r *ReleaseRepo) RecordRelease(ctx context.Context, prizeID, released int64, at time.Time) error {
	q := `INSERT INTO prize_releases (prize_id, released, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (prize_id) DO UPDATE SET released = MAX(released, excluded.released), updated_at = excluded.updated_at`
	if r.db.Dialect == MySQL {
		q = `INSERT INTO prize_releases (prize_id, released, updated_at) VALUES (?, ?, ?)
		ON DUPLICATE KEY UPDATE released = GREATEST(released, VALUES(released)), updated_at = VALUES(updated_at)`
	}
	if err := r.db.Gorm.WithContext(ctx).Exec(q, prizeID, released, at.UTC()).Error; err != nil {
		return fmt.Errorf("record release of prize %d: %w", prizeID, err)
	}
	return nil
}

// Released returns what was recorded for a prize; 0 when nothing was.
func (r *ReleaseRepo) Released(ctx context.Context, prizeID int64) (int64, error) {
	var rows []releaseRow
	if err := r.db.Gorm.WithContext(ctx).Where("prize_id = ?", prizeID).Find(&rows).Error; err != nil {
		return 0, fmt.Errorf("read release of prize %d: %w", prizeID, err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	return rows[0].Released, nil
}
