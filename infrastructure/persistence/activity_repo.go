package persistence

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/lottery-go/lottery/domain/activity"
)

// ActivityRepo stores activities with their strategy and prize slots, and their review
// trail. It implements activity.Repository.
type ActivityRepo struct {
	db *DB
	// ids names strategy rows; prize slots arrive with their ids already set.
	ids func() (int64, error)
}

// NewActivityRepo uses db, which must be migrated, and ids for new strategy rows.
func NewActivityRepo(db *DB, ids func() (int64, error)) *ActivityRepo {
	return &ActivityRepo{db: db, ids: ids}
}

// Create stores a new activity, its strategy and prize slots in one transaction, with
// version 1.
func (r *ActivityRepo) Create(ctx context.Context, a *activity.Activity) error {
	row := toActivityRow(a)
	row.Version = 1
	err := r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return r.insertStrategy(tx, a)
	})
	if err != nil {
		return fmt.Errorf("create activity %d: %w", a.ID(), err)
	}
	return nil
}

func (r *ActivityRepo) insertStrategy(tx *gorm.DB, a *activity.Activity) error {
	id, err := r.ids()
	if err != nil {
		return fmt.Errorf("strategy id: %w", err)
	}
	st := strategyRow{ID: id, ActivityID: a.ID(), Mode: string(a.Strategy().Mode()), CreatedAt: a.UpdatedAt().UTC()}
	if err := tx.Create(&st).Error; err != nil {
		return err
	}
	a.Strategy().StoredAs(st.ID)
	prizes, err := toPrizeRows(a.ID(), st.ID, a.Strategy())
	if err != nil {
		return err
	}
	return tx.Create(&prizes).Error
}

// Get returns activity.ErrNotFound for an unknown id.
func (r *ActivityRepo) Get(ctx context.Context, id int64) (*activity.Activity, error) {
	var out []*activity.Activity
	err := r.db.snapshot(ctx, func(tx *gorm.DB) error {
		var row activityRow
		if err := tx.Take(&row, "id = ?", id).Error; err != nil {
			return err
		}
		var err error
		out, err = withStrategies(tx, []activityRow{row})
		return err
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("activity %d: %w", id, activity.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load activity %d: %w", id, err)
	}
	return out[0], nil
}

// List returns a page of activities matching f, in ascending id order.
func (r *ActivityRepo) List(ctx context.Context, f activity.Filter) ([]*activity.Activity, error) {
	var out []*activity.Activity
	err := r.db.snapshot(ctx, func(tx *gorm.DB) error {
		q := tx.Where("id > ?", f.After)
		if f.State != "" {
			q = q.Where("state = ?", string(f.State))
		}
		var rows []activityRow
		if err := q.Order("id").Limit(f.Limit).Find(&rows).Error; err != nil {
			return err
		}
		var err error
		out, err = withStrategies(tx, rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list activities: %w", err)
	}
	return out, nil
}

// withStrategies loads the strategies and prizes of a page of activities with two
// queries, not two per activity; tx reads one snapshot, so an edit replacing a strategy
// shows either wholly or not at all.
func withStrategies(tx *gorm.DB, rows []activityRow) ([]*activity.Activity, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i, row := range rows {
		ids[i] = row.ID
	}
	var strategies []strategyRow
	if err := tx.Where("activity_id IN ?", ids).Find(&strategies).Error; err != nil {
		return nil, fmt.Errorf("load strategies: %w", err)
	}
	var prizes []prizeSlotRow
	if err := tx.Where("activity_id IN ?", ids).Order("activity_id, position").Find(&prizes).Error; err != nil {
		return nil, fmt.Errorf("load prize slots: %w", err)
	}
	byActivity := make(map[int64]strategyRow, len(strategies))
	for _, s := range strategies {
		byActivity[s.ActivityID] = s
	}
	slots := make(map[int64][]prizeSlotRow, len(rows))
	for _, p := range prizes {
		if p.StrategyID == byActivity[p.ActivityID].ID {
			slots[p.ActivityID] = append(slots[p.ActivityID], p)
		}
	}
	out := make([]*activity.Activity, 0, len(rows))
	for _, row := range rows {
		a, err := fromActivityRows(row, byActivity[row.ID], slots[row.ID])
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
