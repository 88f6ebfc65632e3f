package persistence

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// codeBatch is the rows per INSERT: 3 placeholders each stays far below the placeholder
// limits of MySQL (65,535) and SQLite (32,766) while keeping round trips few.
const codeBatch = 1000

// AddCodes adds normalized codes to the award's pool. Codes already stored are skipped by
// the unique key (award_id, code) rather than looked up first, so two concurrent uploads
// of the same code cannot both add it; the rows the database did not insert are the
// duplicates. The whole upload is one transaction: it is added completely or not at all.
func (r *AwardRepo) AddCodes(ctx context.Context, awardID int64, codes []string) (added, duplicates int, err error) {
	// Overlapping uploads at once can deadlock on the unique key's gap locks (MariaDB picks
	// one transaction as the victim and rolls it back): the whole upload runs again.
	for attempt := 1; ; attempt++ {
		added, err = r.addCodesOnce(ctx, awardID, codes)
		if err == nil || !isRetryableConflict(err) || attempt == codeAttempts || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(attempt) * 10 * time.Millisecond)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("add codes to award %d: %w", awardID, err)
	}
	return added, len(codes) - added, nil
}

// FreeCodes counts the award's codes no order has claimed (index ix_redeem_codes_free).
func (r *AwardRepo) FreeCodes(ctx context.Context, awardID int64) (int64, error) {
	var n int64
	err := r.db.SQL.QueryRowContext(ctx, "SELECT COUNT(*) FROM redeem_codes WHERE award_id = ? AND order_id IS NULL", awardID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count free codes of award %d: %w", awardID, err)
	}
	return n, nil
}

// HeldElsewhere implements award.Repository, reading ix_redeem_codes_code a thousand
// codes at a time.
func (r *AwardRepo) HeldElsewhere(ctx context.Context, awardID int64, codes []string) (map[string]bool, error) {
	held := map[string]bool{}
	for i := 0; i < len(codes); i += 1000 {
		chunk := codes[i:min(i+1000, len(codes))]
		var found []string
		err := r.db.Gorm.WithContext(ctx).Raw(`SELECT DISTINCT code FROM redeem_codes WHERE code IN ? AND award_id <> ?`,
			chunk, awardID).Scan(&found).Error
		if err != nil {
			return nil, fmt.Errorf("codes of other awards than %d: %w", awardID, err)
		}
		for _, c := range found {
			held[c] = true
		}
	}
	return held, nil
}

// codeAttempts bounds the runs of an upload chosen as a deadlock victim.
const codeAttempts = 5

func (r *AwardRepo) addCodesOnce(ctx context.Context, awardID int64, codes []string) (added int, err error) {
	now := r.db.Gorm.NowFunc()
	err = r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for start := 0; start < len(codes); start += codeBatch {
			chunk := codes[start:min(start+codeBatch, len(codes))]
			n, err := r.insertCodes(tx, awardID, chunk, now)
			if err != nil {
				return fmt.Errorf("insert codes %d..%d: %w", start, start+len(chunk), err)
			}
			added += n
		}
		return nil
	})
	return added, err
}

// insertCodes is hand-written SQL because the affected-row count must be exact: gorm adds
// RETURNING on MariaDB. INSERT IGNORE and SQLite's DO NOTHING both count only the rows they
// inserted; see skipDuplicates for why MySQL does not use ON DUPLICATE KEY UPDATE.
func (r *AwardRepo) insertCodes(tx *gorm.DB, awardID int64, codes []string, now any) (int, error) {
	verb, onConflict := "INSERT IGNORE", ""
	if r.db.Dialect != MySQL {
		verb, onConflict = "INSERT", " ON CONFLICT (award_id, code) DO NOTHING"
	}
	var b strings.Builder
	b.WriteString(verb)
	b.WriteString(" INTO redeem_codes (award_id, code, created_at) VALUES ")
	args := make([]any, 0, 3*len(codes))
	for i, c := range codes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?)")
		args = append(args, awardID, c, now)
	}
	b.WriteString(onConflict)
	res := tx.Exec(b.String(), args...)
	return int(res.RowsAffected), res.Error
}
