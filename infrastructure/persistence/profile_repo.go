package persistence

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lottery-go/lottery/domain/user"
)

type profileRow struct {
	UserID     string `gorm:"primaryKey"`
	Attributes string
	UpdatedAt  time.Time
}

func (profileRow) TableName() string { return "user_profiles" }

// profileBatch is how many profiles one INSERT carries in PutMany.
const profileBatch = 500

// ProfileRepo stores user profiles; it implements user.ProfileRepository.
type ProfileRepo struct {
	db *DB
}

// NewProfileRepo uses db, which must be migrated.
func NewProfileRepo(db *DB) *ProfileRepo { return &ProfileRepo{db: db} }

var replaceProfile = clause.OnConflict{
	Columns:   []clause.Column{{Name: "user_id"}},
	DoUpdates: clause.AssignmentColumns([]string{"attributes", "updated_at"}),
}

// Put creates or replaces one profile.
func (r *ProfileRepo) Put(ctx context.Context, p user.Profile) error {
	row, err := toProfileRow(p)
	if err != nil {
		return err
	}
	if err := r.db.Gorm.WithContext(ctx).Clauses(replaceProfile).Create(&row).Error; err != nil {
		return fmt.Errorf("store profile of %s: %w", p.UserID, err)
	}
	return nil
}

// PutMany stores every profile in one transaction, or none of them.
func (r *ProfileRepo) PutMany(ctx context.Context, ps []user.Profile) error {
	if len(ps) == 0 {
		return nil
	}
	rows := make([]profileRow, len(ps))
	for i, p := range ps {
		row, err := toProfileRow(p)
		if err != nil {
			return err
		}
		rows[i] = row
	}
	return r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(replaceProfile).CreateInBatches(rows, profileBatch).Error; err != nil {
			return fmt.Errorf("store %d profiles: %w", len(rows), err)
		}
		return nil
	})
}

// Get returns user.ErrNotFound for a user without a profile.
func (r *ProfileRepo) Get(ctx context.Context, id string) (user.Profile, error) {
	var rows []profileRow
	if err := r.db.Gorm.WithContext(ctx).Where("user_id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return user.Profile{}, fmt.Errorf("load profile of %s: %w", id, err)
	}
	if len(rows) == 0 {
		return user.Profile{}, fmt.Errorf("profile of %s: %w", id, user.ErrNotFound)
	}
	attrs, err := decodeAttributes(rows[0].Attributes)
	if err != nil {
		return user.Profile{}, fmt.Errorf("decode profile of %s: %w", id, err)
	}
	return user.Profile{UserID: rows[0].UserID, Attributes: attrs, UpdatedAt: rows[0].UpdatedAt}, nil
}

func toProfileRow(p user.Profile) (profileRow, error) {
	b, err := json.Marshal(p.Attributes)
	if err != nil {
		return profileRow{}, fmt.Errorf("encode profile of %s: %w", p.UserID, err)
	}
	return profileRow{UserID: p.UserID, Attributes: string(b), UpdatedAt: p.UpdatedAt.UTC()}, nil
}

// decodeAttributes keeps whole numbers as int64: a float64 would round user ids and
// counters above 2^53, and rule facts declared int compare exactly either way.
func decodeAttributes(s string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var attrs map[string]any
	if err := dec.Decode(&attrs); err != nil {
		return nil, err
	}
	for k, v := range attrs {
		attrs[k] = exactNumber(v)
	}
	return attrs, nil
}

func exactNumber(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = exactNumber(x[i])
		}
	}
	return v
}
