package persistence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// NodeLeases hands out snowflake node numbers (0..1023), each held by one process until
// its lease ends; it implements idgen.Leases.
type NodeLeases struct {
	db *DB
}

// NewNodeLeases uses db, which must be migrated.
func NewNodeLeases(db *DB) *NodeLeases { return &NodeLeases{db: db} }

// errNoFreeNode: every node number is held.
var errNoFreeNode = errors.New("all 1024 snowflake nodes are held")

// Claim takes the first node from start on (wrapping) that nobody holds or whose lease
// ended before now, for holder until until.
func (l *NodeLeases) Claim(ctx context.Context, holder string, start int64, now, until time.Time) (int64, error) {
	for i := range int64(1024) {
		node := (start + i) % 1024
		ok, err := l.claim(ctx, holder, node, now, until, false)
		if err != nil {
			return 0, err
		}
		if ok {
			return node, nil
		}
	}
	return 0, errNoFreeNode
}

// ClaimNode takes node for holder until until if nobody holds it, its lease ended before
// now, holder holds it already, or takeBack (which may be nil) says its holder is gone
// (a process that restarted, or exited, on the same host).
func (l *NodeLeases) ClaimNode(ctx context.Context, holder string, node int64, now, until time.Time, takeBack func(prev string) bool) (bool, error) {
	ok, err := l.claim(ctx, holder, node, now, until, true)
	if ok || err != nil || takeBack == nil {
		return ok, err
	}
	var prev string
	row := l.db.Gorm.WithContext(ctx).Raw("SELECT holder FROM id_nodes WHERE node = ?", node).Row()
	if err := row.Scan(&prev); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil // released meanwhile: the next try claims it
		}
		return false, fmt.Errorf("read snowflake node %d: %w", node, err)
	}
	if !takeBack(prev) {
		return false, nil
	}
	res := l.db.Gorm.WithContext(ctx).Exec("UPDATE id_nodes SET holder = ?, expires_at = ? WHERE node = ? AND holder = ?",
		holder, until.UTC(), node, prev)
	if res.Error != nil {
		return false, fmt.Errorf("claim snowflake node %d: %w", node, res.Error)
	}
	return res.RowsAffected == 1, nil
}

func (l *NodeLeases) claim(ctx context.Context, holder string, node int64, now, until time.Time, own bool) (bool, error) {
	res := l.db.Gorm.WithContext(ctx).Exec(l.db.insertIgnore()+" INTO id_nodes (node, holder, expires_at) VALUES (?, ?, ?)",
		node, holder, until.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("claim snowflake node %d: %w", node, res.Error)
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	q := "UPDATE id_nodes SET holder = ?, expires_at = ? WHERE node = ? AND expires_at < ?"
	args := []any{holder, until.UTC(), node, now.UTC()}
	if own {
		q = "UPDATE id_nodes SET holder = ?, expires_at = ? WHERE node = ? AND (expires_at < ? OR holder = ?)"
		args = append(args, holder)
	}
	res = l.db.Gorm.WithContext(ctx).Exec(q, args...)
	if res.Error != nil {
		return false, fmt.Errorf("claim snowflake node %d: %w", node, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Renew extends holder's lease of node to until; false when holder no longer holds it.
func (l *NodeLeases) Renew(ctx context.Context, node int64, holder string, until time.Time) (bool, error) {
	res := l.db.Gorm.WithContext(ctx).Exec("UPDATE id_nodes SET expires_at = ? WHERE node = ? AND holder = ?", until.UTC(), node, holder)
	if res.Error != nil {
		return false, fmt.Errorf("renew snowflake node %d: %w", node, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Release gives node back, if holder still holds it.
func (l *NodeLeases) Release(ctx context.Context, node int64, holder string) error {
	if err := l.db.Gorm.WithContext(ctx).Exec("DELETE FROM id_nodes WHERE node = ? AND holder = ?", node, holder).Error; err != nil {
		return fmt.Errorf("release snowflake node %d: %w", node, err)
	}
	return nil
}
