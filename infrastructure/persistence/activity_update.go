package persistence

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/lottery-go/lottery/domain/activity"
)

// Update implements activity.Repository: fn edits the loaded activity, which is stored
// with a compare-and-set.
func (r *ActivityRepo) Update(ctx context.Context, id int64, fn func(*activity.Activity) error) error {
	return r.update(ctx, id, func(a *activity.Activity) (*activity.TrailEntry, error) {
		return nil, fn(a)
	})
}

// Transition is Update for a change of state: fn applies it and returns the trail entry,
// which is stored in the same transaction as the new state.
func (r *ActivityRepo) Transition(ctx context.Context, id int64, fn func(*activity.Activity) (activity.TrailEntry, error)) error {
	return r.update(ctx, id, func(a *activity.Activity) (*activity.TrailEntry, error) {
		e, err := fn(a)
		return &e, err
	})
}

// update is optimistic: it loads outside any transaction, runs fn, and stores with
// `WHERE id=? AND state=? AND version=?`. Holding a transaction across the load would
// serialise writers on SQLite (its transactions take the write lock at BEGIN) and so hide
// a lost update instead of detecting it; with the compare-and-set both backends agree:
// of two writers that loaded the same version, exactly one stores, the other gets
// activity.ErrConcurrentChange.
func (r *ActivityRepo) update(ctx context.Context, id int64, fn func(*activity.Activity) (*activity.TrailEntry, error)) error {
	a, err := r.Get(ctx, id)
	if err != nil {
		return err
	}
	loaded, state, version := a.Strategy(), a.State(), a.Version()
	entry, err := fn(a)
	if err != nil {
		return err
	}
	return r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if editable(state) && !editable(a.State()) {
			if err := r.lockAwardsGiven(tx, a); err != nil {
				return err
			}
		}
		if err := compareAndSet(tx, a, state, version); err != nil {
			return err
		}
		// Domain methods replace the strategy only when the parameters were edited.
		if a.Strategy() != loaded {
			if err := r.replaceStrategy(tx, a); err != nil {
				return fmt.Errorf("replace strategy of activity %d: %w", id, err)
			}
		}
		if entry != nil {
			if err := insertTrail(tx, id, *entry); err != nil {
				return fmt.Errorf("record transition of activity %d: %w", id, err)
			}
		}
		return nil
	})
}

func editable(s activity.State) bool {
	return s == activity.StateDraft || s == activity.StateRejected
}

// lockAwardsGiven takes a shared lock on the awards an activity leaving draft gives, before
// its own row: an award's edit holds its row exclusively while it reads which activities
// give it (AwardRepo.Update), so the edit either sees this activity submitted or is done
// before the activity is. SQLite serialises the two transactions anyway.
func (r *ActivityRepo) lockAwardsGiven(tx *gorm.DB, a *activity.Activity) error {
	if r.db.Dialect != MySQL {
		return nil
	}
	prizes := a.Strategy().Prizes()
	ids := make([]int64, 0, len(prizes))
	for _, p := range prizes {
		ids = append(ids, p.AwardID)
	}
	var locked []int64
	err := tx.Raw("SELECT id FROM awards WHERE id IN ? ORDER BY id LOCK IN SHARE MODE", ids).Scan(&locked).Error
	if err != nil {
		return fmt.Errorf("lock the awards of activity %d: %w", a.ID(), err)
	}
	return nil
}

func compareAndSet(tx *gorm.DB, a *activity.Activity, state activity.State, version int64) error {
	row := toActivityRow(a)
	res := tx.Model(&activityRow{}).
		Where("id = ? AND state = ? AND version = ?", a.ID(), string(state), version).
		Updates(map[string]any{
			"name": row.Name, "kind": row.Kind, "state": row.State,
			"begin_at": row.BeginAt, "end_at": row.EndAt, "time_zone": row.TimeZone,
			"stock": row.Stock, "per_user_total": row.PerUserTotal, "per_user_daily": row.PerUserDaily,
			"edited_by": row.EditedBy, "updated_at": row.UpdatedAt, "version": gorm.Expr("version + 1"),
		})
	if res.Error != nil {
		return fmt.Errorf("store activity %d: %w", a.ID(), res.Error)
	}
	// The version always changes, so a matched row is always an affected row on MySQL too.
	if res.RowsAffected == 0 {
		return fmt.Errorf("activity %d at version %d: %w", a.ID(), version, activity.ErrConcurrentChange)
	}
	return nil
}

func (r *ActivityRepo) replaceStrategy(tx *gorm.DB, a *activity.Activity) error {
	if err := tx.Where("activity_id = ?", a.ID()).Delete(&prizeSlotRow{}).Error; err != nil {
		return err
	}
	if err := tx.Where("activity_id = ?", a.ID()).Delete(&strategyRow{}).Error; err != nil {
		return err
	}
	return r.insertStrategy(tx, a)
}

func insertTrail(tx *gorm.DB, id int64, e activity.TrailEntry) error {
	return tx.Create(&transitionRow{
		ActivityID: id, Action: string(e.Action), FromState: string(e.From), ToState: string(e.To),
		Actor: e.Actor, Reason: e.Reason, CreatedAt: e.At.UTC(),
	}).Error
}

// Trail lists the transitions of an activity, oldest first; empty for an unknown id.
func (r *ActivityRepo) Trail(ctx context.Context, id int64) ([]activity.TrailEntry, error) {
	var rows []transitionRow
	if err := r.db.Gorm.WithContext(ctx).Where("activity_id = ?", id).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load transitions of activity %d: %w", id, err)
	}
	out := make([]activity.TrailEntry, len(rows))
	for i, row := range rows {
		out[i] = activity.TrailEntry{
			Action: activity.Action(row.Action), From: activity.State(row.FromState), To: activity.State(row.ToState),
			Actor: row.Actor, Reason: row.Reason, At: row.CreatedAt,
		}
	}
	return out, nil
}
