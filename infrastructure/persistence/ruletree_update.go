package persistence

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/lottery-go/lottery/domain/ruletree"
)

// updateAttempts bounds the retries of an Update that InnoDB chose as a deadlock victim.
const updateAttempts = 10

// Update runs fn on the tree inside a transaction and stores the result. A tree that
// became the default takes the flag from every other tree in the same transaction.
//
// Two trees made the default at the same moment both take next-key locks on the
// is_default index before flagging themselves, so InnoDB may pick one as a deadlock
// victim. That transaction rolled back entirely, so it is run again (fn included, on the
// tree as it is then) after a random pause that grows with the attempts, so that victims
// of one another do not meet again in step; the index locks are what keep two defaults
// from ever committing. SQLite has one writer at a time and never gets here twice.
func (r *RuleTreeRepo) Update(ctx context.Context, id int64, fn func(*ruletree.Tree) error) error {
	for attempt := 1; ; attempt++ {
		err := r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return r.update(tx, id, fn)
		})
		if attempt == updateAttempts || !isDeadlock(err) {
			return err
		}
		select {
		case <-time.After(rand.N(time.Duration(attempt) * 5 * time.Millisecond)):
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		}
	}
}

func (r *RuleTreeRepo) update(tx *gorm.DB, id int64, fn func(*ruletree.Tree) error) error {
	t, err := r.getTree(tx, id, true)
	if err != nil {
		return err
	}
	if err := fn(&t); err != nil {
		return err
	}
	if t.Default {
		err := tx.Exec("UPDATE rule_trees SET is_default = ?, updated_at = ? WHERE is_default = ? AND id <> ?",
			false, t.UpdatedAt.UTC(), true, id).Error
		if err != nil {
			return fmt.Errorf("unset the previous default rule tree: %w", err)
		}
	}
	var live *int
	if t.Live > 0 {
		live = &t.Live
	}
	err = tx.Model(&ruleTreeRow{}).Where("id = ?", id).Updates(map[string]any{
		"live_version": live, "is_default": t.Default, "updated_at": t.UpdatedAt.UTC(),
	}).Error
	if err != nil {
		return fmt.Errorf("update rule tree %d: %w", id, err)
	}
	return nil
}

// isDeadlock reports MySQL's ER_LOCK_DEADLOCK.
func isDeadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}
