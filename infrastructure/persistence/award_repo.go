package persistence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/award"
)

// AwardRepo stores awards and their redeem-code pools; it implements award.Repository.
type AwardRepo struct {
	db *DB
}

// NewAwardRepo uses db, which must be migrated.
func NewAwardRepo(db *DB) *AwardRepo { return &AwardRepo{db: db} }

// contentJSON is how award.Content is kept in awards.content: only the fields of the
// award's kind are set, the rest are left out.
type contentJSON struct {
	Text       string `json:"text,omitempty"`
	WebhookURL string `json:"webhook_url,omitempty"`
	TemplateID string `json:"template_id,omitempty"`
	Points     int64  `json:"points,omitempty"`
	SKU        string `json:"sku,omitempty"`
}

func toAwardRow(a *award.Award) (awardRow, error) {
	c := a.Content()
	b, err := json.Marshal(contentJSON(c))
	if err != nil {
		return awardRow{}, fmt.Errorf("encode content of award %d: %w", a.ID(), err)
	}
	return awardRow{
		ID: a.ID(), Name: a.Name(), Kind: string(a.Kind()), Content: string(b),
		CreatedAt: a.CreatedAt().UTC(), UpdatedAt: a.CreatedAt().UTC(),
	}, nil
}

func fromAwardRow(r awardRow) (*award.Award, error) {
	var c contentJSON
	if err := json.Unmarshal([]byte(r.Content), &c); err != nil {
		return nil, fmt.Errorf("decode content of award %d: %w", r.ID, err)
	}
	return award.UnmarshalFromDatabase(r.ID, r.Name, award.Kind(r.Kind), award.Content(c), r.CreatedAt), nil
}

// Create stores a new award.
func (r *AwardRepo) Create(ctx context.Context, a *award.Award) error {
	row, err := toAwardRow(a)
	if err != nil {
		return err
	}
	if err := r.db.Gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("create award %d: %w", a.ID(), err)
	}
	return nil
}

// Get returns award.ErrNotFound for an unknown id.
func (r *AwardRepo) Get(ctx context.Context, id int64) (*award.Award, error) {
	return getAward(r.db.Gorm.WithContext(ctx), id)
}

// forUpdate makes tx's next query a locking read on MySQL.
func (r *AwardRepo) forUpdate(tx *gorm.DB) *gorm.DB {
	if r.db.Dialect != MySQL {
		return tx
	}
	return tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
}

// givenBy lists the activities past draft or rejected whose prizes give the award.
func (r *AwardRepo) givenBy(tx *gorm.DB, awardID int64) ([]int64, error) {
	q := `SELECT DISTINCT a.id FROM prize_slots p JOIN activities a ON a.id = p.activity_id
		WHERE p.award_id = ? AND a.state NOT IN (?, ?) ORDER BY a.id`
	var ids []int64
	err := tx.Raw(q, awardID, string(activity.StateDraft), string(activity.StateRejected)).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("activities giving award %d: %w", awardID, err)
	}
	return ids, nil
}

func getAward(tx *gorm.DB, id int64) (*award.Award, error) {
	var row awardRow
	err := tx.Take(&row, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("award %d: %w", id, award.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load award %d: %w", id, err)
	}
	return fromAwardRow(row)
}

// List returns awards with id > after in ascending id order, at most limit of them.
func (r *AwardRepo) List(ctx context.Context, after int64, limit int) ([]*award.Award, error) {
	var rows []awardRow
	err := r.db.Gorm.WithContext(ctx).Where("id > ?", after).Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list awards after %d: %w", after, err)
	}
	out := make([]*award.Award, 0, len(rows))
	for _, row := range rows {
		a, err := fromAwardRow(row)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Update implements award.Repository. On MySQL the award's row is locked first; the
// activities giving it are then read with a plain read, whose snapshot InnoDB takes at
// that first consistent read, after the lock is held, so it sees every commit before.
// An activity leaving draft takes a shared lock on the row (lockAwardsGiven) before its
// own row, so the two wait for each other in one order and never deadlock. SQLite's
// transactions take the write lock at BEGIN, which serialises the two as a whole.
func (r *AwardRepo) Update(ctx context.Context, id int64, fn func(a *award.Award, givenBy []int64) error) error {
	return r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a, err := getAward(r.forUpdate(tx), id)
		if err != nil {
			return err
		}
		givenBy, err := r.givenBy(tx, id)
		if err != nil {
			return err
		}
		if err := fn(a, givenBy); err != nil {
			return err
		}
		row, err := toAwardRow(a)
		if err != nil {
			return err
		}
		err = tx.Model(&awardRow{}).Where("id = ?", id).Updates(map[string]any{
			"name": row.Name, "content": row.Content, "updated_at": r.db.Gorm.NowFunc(),
		}).Error
		if err != nil {
			return fmt.Errorf("update award %d: %w", id, err)
		}
		return nil
	})
}
