package persistence

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lottery-go/lottery/domain/user"
)

// BlacklistRepo is the SQL truth of the blacklist; it implements user.Blacklist. The draw
// path reads a copy in Redis that is rebuilt from this table.
type BlacklistRepo struct {
	db *DB
}

// NewBlacklistRepo uses db, which must be migrated.
func NewBlacklistRepo(db *DB) *BlacklistRepo { return &BlacklistRepo{db: db} }

// Add lists the user, replacing the reason if already listed; the first listing time is
// kept.
func (r *BlacklistRepo) Add(ctx context.Context, userID, reason string) error {
	row := blacklistRow{UserID: userID, Reason: reason, CreatedAt: r.db.Gorm.NowFunc()}
	err := r.db.Gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"reason"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("blacklist %s: %w", userID, err)
	}
	return nil
}

// Remove unlists the user; removing an unlisted user is not an error.
func (r *BlacklistRepo) Remove(ctx context.Context, userID string) error {
	if err := r.db.Gorm.WithContext(ctx).Where("user_id = ?", userID).Delete(&blacklistRow{}).Error; err != nil {
		return fmt.Errorf("unlist %s: %w", userID, err)
	}
	return nil
}

// Get returns user.ErrNotFound when the user is not listed.
func (r *BlacklistRepo) Get(ctx context.Context, userID string) (user.Entry, error) {
	var row blacklistRow
	err := r.db.Gorm.WithContext(ctx).Take(&row, "user_id = ?", userID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return user.Entry{}, fmt.Errorf("blacklist entry %s: %w", userID, user.ErrNotFound)
	}
	if err != nil {
		return user.Entry{}, fmt.Errorf("load blacklist entry %s: %w", userID, err)
	}
	return user.Entry{UserID: row.UserID, Reason: row.Reason, CreatedAt: row.CreatedAt}, nil
}
