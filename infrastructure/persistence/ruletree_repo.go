package persistence

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/lottery-go/lottery/domain/ruletree"
	"github.com/lottery-go/lottery/rules"
)

type ruleTreeRow struct {
	ID          int64 `gorm:"primaryKey;autoIncrement:false"`
	Name        string
	LiveVersion *int
	IsDefault   bool
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (ruleTreeRow) TableName() string { return "rule_trees" }

type ruleTreeVersionRow struct {
	TreeID    int64 `gorm:"primaryKey;autoIncrement:false"`
	Version   int   `gorm:"primaryKey;autoIncrement:false"`
	Document  string
	CreatedBy string
	CreatedAt time.Time
}

func (ruleTreeVersionRow) TableName() string { return "rule_tree_versions" }

// RuleTreeRepo stores rule trees and their immutable versions; it implements
// ruletree.Repository.
type RuleTreeRepo struct {
	db *DB
}

// NewRuleTreeRepo uses db, which must be migrated.
func NewRuleTreeRepo(db *DB) *RuleTreeRepo { return &RuleTreeRepo{db: db} }

// Create stores a new tree with its first version.
func (r *RuleTreeRepo) Create(ctx context.Context, t ruletree.Tree, first ruletree.Version) error {
	v, err := toVersionRow(t.ID, 1, first.Document, first.CreatedBy, first.CreatedAt)
	if err != nil {
		return err
	}
	row := ruleTreeRow{ID: t.ID, Name: t.Name, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
	return r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("create rule tree %d: %w", t.ID, err)
		}
		if err := tx.Create(&v).Error; err != nil {
			return fmt.Errorf("store version 1 of rule tree %d: %w", t.ID, err)
		}
		return nil
	})
}

// AddVersion numbers the new version under a lock on the tree's row, so two concurrent
// saves get consecutive numbers instead of one failing on the primary key.
func (r *RuleTreeRepo) AddVersion(ctx context.Context, id int64, doc rules.Document, by string, at time.Time) (int, error) {
	var number int
	err := r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, err := r.getTree(tx, id, true)
		if err != nil {
			return err
		}
		number = t.Latest + 1
		v, err := toVersionRow(id, number, doc, by, at)
		if err != nil {
			return err
		}
		if err := tx.Create(&v).Error; err != nil {
			return fmt.Errorf("store version %d of rule tree %d: %w", number, id, err)
		}
		err = tx.Model(&ruleTreeRow{}).Where("id = ?", id).
			Updates(map[string]any{"name": doc.Name, "updated_at": at.UTC()}).Error
		if err != nil {
			return fmt.Errorf("rename rule tree %d: %w", id, err)
		}
		return nil
	})
	return number, err
}

// Get returns ruletree.ErrNotFound for an unknown tree.
func (r *RuleTreeRepo) Get(ctx context.Context, id int64) (ruletree.Tree, error) {
	return r.getTree(r.db.Gorm.WithContext(ctx), id, false)
}

func (r *RuleTreeRepo) getTree(tx *gorm.DB, id int64, lock bool) (ruletree.Tree, error) {
	q := "SELECT * FROM rule_trees WHERE id = ?"
	if lock && r.db.Dialect == MySQL {
		q += " FOR UPDATE"
	}
	var rows []ruleTreeRow
	if err := tx.Raw(q, id).Scan(&rows).Error; err != nil {
		return ruletree.Tree{}, fmt.Errorf("load rule tree %d: %w", id, err)
	}
	if len(rows) == 0 {
		return ruletree.Tree{}, fmt.Errorf("rule tree %d: %w", id, ruletree.ErrNotFound)
	}
	var latest int
	err := tx.Raw("SELECT COALESCE(MAX(version), 0) FROM rule_tree_versions WHERE tree_id = ?", id).Scan(&latest).Error
	if err != nil {
		return ruletree.Tree{}, fmt.Errorf("count versions of rule tree %d: %w", id, err)
	}
	return fromTreeRow(rows[0], latest), nil
}

// List returns trees with id > after in id order, at most limit of them.
func (r *RuleTreeRepo) List(ctx context.Context, after int64, limit int) ([]ruletree.Tree, error) {
	db := r.db.Gorm.WithContext(ctx)
	var rows []ruleTreeRow
	if err := db.Where("id > ?", after).Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list rule trees after %d: %w", after, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i, row := range rows {
		ids[i] = row.ID
	}
	var counts []struct {
		TreeID int64
		Latest int
	}
	err := db.Raw("SELECT tree_id, MAX(version) AS latest FROM rule_tree_versions WHERE tree_id IN ? GROUP BY tree_id", ids).
		Scan(&counts).Error
	if err != nil {
		return nil, fmt.Errorf("count versions of rule trees: %w", err)
	}
	latest := make(map[int64]int, len(counts))
	for _, c := range counts {
		latest[c.TreeID] = c.Latest
	}
	out := make([]ruletree.Tree, len(rows))
	for i, row := range rows {
		out[i] = fromTreeRow(row, latest[row.ID])
	}
	return out, nil
}

// Version returns one version; number 0 is the latest.
func (r *RuleTreeRepo) Version(ctx context.Context, id int64, number int) (ruletree.Version, error) {
	db := r.db.Gorm.WithContext(ctx)
	t, err := r.getTree(db, id, false)
	if err != nil {
		return ruletree.Version{}, err
	}
	if number == 0 {
		number = t.Latest
	}
	var rows []ruleTreeVersionRow
	if err := db.Where("tree_id = ? AND version = ?", id, number).Limit(1).Find(&rows).Error; err != nil {
		return ruletree.Version{}, fmt.Errorf("load version %d of rule tree %d: %w", number, id, err)
	}
	if len(rows) == 0 {
		return ruletree.Version{}, fmt.Errorf("rule tree %d version %d: %w", id, number, ruletree.ErrVersionNotFound)
	}
	return fromVersionRow(rows[0])
}

// Live returns the live version of a tree.
func (r *RuleTreeRepo) Live(ctx context.Context, id int64) (ruletree.Version, error) {
	v, found, err := r.live(ctx, "t.id = ?", id)
	if err != nil || found {
		return v, err
	}
	if _, err := r.Get(ctx, id); err != nil {
		return ruletree.Version{}, err
	}
	return ruletree.Version{}, fmt.Errorf("rule tree %d: %w", id, ruletree.ErrNotPublished)
}

// LiveDefault returns the live version of the default tree.
func (r *RuleTreeRepo) LiveDefault(ctx context.Context) (ruletree.Version, error) {
	v, found, err := r.live(ctx, "t.is_default = ?", true)
	if err != nil || found {
		return v, err
	}
	return ruletree.Version{}, fmt.Errorf("default rule tree: %w", ruletree.ErrNotFound)
}

func (r *RuleTreeRepo) live(ctx context.Context, where string, arg any) (ruletree.Version, bool, error) {
	var rows []ruleTreeVersionRow
	err := r.db.Gorm.WithContext(ctx).Raw(`SELECT v.* FROM rule_trees t
		JOIN rule_tree_versions v ON v.tree_id = t.id AND v.version = t.live_version
		WHERE `+where+` ORDER BY t.id LIMIT 1`, arg).Scan(&rows).Error
	if err != nil {
		return ruletree.Version{}, false, fmt.Errorf("load live rule tree: %w", err)
	}
	if len(rows) == 0 {
		return ruletree.Version{}, false, nil
	}
	v, err := fromVersionRow(rows[0])
	return v, err == nil, err
}

func toVersionRow(id int64, number int, doc rules.Document, by string, at time.Time) (ruleTreeVersionRow, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return ruleTreeVersionRow{}, fmt.Errorf("encode version %d of rule tree %d: %w", number, id, err)
	}
	return ruleTreeVersionRow{TreeID: id, Version: number, Document: string(b), CreatedBy: by, CreatedAt: at.UTC()}, nil
}

func fromVersionRow(row ruleTreeVersionRow) (ruletree.Version, error) {
	doc, err := rules.ParseDocument([]byte(row.Document))
	if err != nil {
		return ruletree.Version{}, fmt.Errorf("decode version %d of rule tree %d: %w", row.Version, row.TreeID, err)
	}
	return ruletree.Version{TreeID: row.TreeID, Number: row.Version, Document: doc, CreatedBy: row.CreatedBy, CreatedAt: row.CreatedAt}, nil
}

func fromTreeRow(row ruleTreeRow, latest int) ruletree.Tree {
	t := ruletree.Tree{ID: row.ID, Name: row.Name, Latest: latest, Default: row.IsDefault,
		CreatedBy: row.CreatedBy, CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt}
	if row.LiveVersion != nil {
		t.Live = *row.LiveVersion
	}
	return t
}
