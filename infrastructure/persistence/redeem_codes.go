package persistence

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lottery-go/lottery/domain/award"
)

// codeBatch is the rows per INSERT: 3 placeholders each stays far below the placeholder
// limits of MySQL (65,535) and SQLite (32,766) while keeping round trips few.
const codeBatch = 1000

// AddCodes implements award.Repository. Codes already stored are skipped by the unique
// key (award_id, code) rather than looked up first; the rows the database did not insert
// are the duplicates. Codes of other awards are looked up in the same transaction, and
// uploads run one at a time (lockUploads). The whole upload is one transaction: it is
// added completely or not at all.
func (r *AwardRepo) AddCodes(ctx context.Context, awardID int64, codes []string) (award.CodesAdded, error) {
	// Uploads run one at a time, but one can still meet a claim of codes in a deadlock
	// (MariaDB picks a victim and rolls it back): the whole upload then runs again.
	var out award.CodesAdded
	var err error
	for attempt := 1; ; attempt++ {
		out, err = r.addCodesOnce(ctx, awardID, codes)
		if err == nil || !isRetryableConflict(err) || attempt == codeAttempts || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(attempt) * 10 * time.Millisecond)
	}
	if err != nil {
		return award.CodesAdded{}, fmt.Errorf("add codes to award %d: %w", awardID, err)
	}
	return out, nil
}

// CodesPromised implements award.Repository: what the live activities' prizes giving the
// award, but except's, may still claim, and the wins of closed ones still waiting for a
// code. It reads every code the award's wins hold, which an admin's submit, approve or
// start can afford.
func (r *AwardRepo) CodesPromised(ctx context.Context, awardID, except int64) (int64, error) {
	stock := map[int64]int64{}
	rows, err := r.db.SQL.QueryContext(ctx, `SELECT p.id, p.stock FROM prize_slots p JOIN activities a ON a.id = p.activity_id
		WHERE p.award_id = ? AND a.id <> ? AND a.state IN ('pending_review', 'approved', 'running', 'paused')`, awardID, except)
	if err != nil {
		return 0, fmt.Errorf("codes promised of award %d: %w", awardID, err)
	}
	if err := scanCounts(rows, stock); err != nil {
		return 0, fmt.Errorf("codes promised of award %d: %w", awardID, err)
	}
	if len(stock) == 0 {
		return 0, nil
	}
	held := map[int64]int64{}
	rows, err = r.db.SQL.QueryContext(ctx, `SELECT o.prize_id, COUNT(*) FROM redeem_codes c JOIN orders o ON o.id = c.order_id
		WHERE c.award_id = ? GROUP BY o.prize_id`, awardID)
	if err != nil {
		return 0, fmt.Errorf("codes held of award %d: %w", awardID, err)
	}
	if err := scanCounts(rows, held); err != nil {
		return 0, fmt.Errorf("codes held of award %d: %w", awardID, err)
	}
	var promised int64
	for prize, units := range stock {
		promised += max(units-held[prize], 0)
	}
	waiting, err := r.closedWinsWaiting(ctx, awardID)
	return promised + waiting, err
}

// closedWinsWaiting counts the wins of closed activities that will still take one of the
// award's codes: their grant is in flight (an outbox entry) or failed and may be sent
// again (failed_grants), and they hold none yet. Both lists are short, so the count starts
// from them.
func (r *AwardRepo) closedWinsWaiting(ctx context.Context, awardID int64) (int64, error) {
	var n int64
	err := r.db.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM
		(SELECT order_id FROM outbox UNION SELECT order_id FROM failed_grants) w
		JOIN orders o ON o.id = w.order_id
		JOIN activities a ON a.id = o.activity_id
		LEFT JOIN redeem_codes c ON c.order_id = o.id
		WHERE o.award_id = ? AND o.outcome = 'win' AND a.state = 'closed' AND c.id IS NULL`, awardID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("codes awaited by closed activities of award %d: %w", awardID, err)
	}
	return n, nil
}

// scanCounts reads rows of (id, count) into into, and closes them.
func scanCounts(rows *sql.Rows, into map[int64]int64) error {
	defer rows.Close()
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		into[id] += n
	}
	return rows.Err()
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

// heldElsewhere returns which of codes another award's pool holds, reading
// ix_redeem_codes_code. Uploads run one at a time (lockUploads), so no other upload can
// store one of them before this transaction ends.
func (r *AwardRepo) heldElsewhere(tx *gorm.DB, awardID int64, codes []string) (map[string]bool, error) {
	q := "SELECT DISTINCT code FROM redeem_codes WHERE code IN ? AND award_id <> ?"
	var found []string
	if err := tx.Raw(q, codes, awardID).Scan(&found).Error; err != nil {
		return nil, fmt.Errorf("codes of other awards than %d: %w", awardID, err)
	}
	held := make(map[string]bool, len(found))
	for _, c := range found {
		held[c] = true
	}
	return held, nil
}

// lockUploads makes uploads of codes run one at a time, each seeing what the one before
// committed: on MySQL by locking the redeem_codes mutex row first (its repeatable-read
// snapshot is taken by the first plain read after), on SQLite by the write lock every
// transaction takes at BEGIN.
func (r *AwardRepo) lockUploads(tx *gorm.DB) error {
	if r.db.Dialect != MySQL {
		return nil
	}
	var name string
	if err := tx.Raw("SELECT name FROM mutexes WHERE name = 'redeem_codes' FOR UPDATE").Scan(&name).Error; err != nil {
		return fmt.Errorf("wait for other uploads of codes: %w", err)
	}
	return nil
}

// codeAttempts bounds the runs of an upload chosen as a deadlock victim.
const codeAttempts = 5

func (r *AwardRepo) addCodesOnce(ctx context.Context, awardID int64, codes []string) (out award.CodesAdded, err error) {
	now := r.db.Gorm.NowFunc()
	err = r.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		out = award.CodesAdded{}
		if err := r.lockUploads(tx); err != nil {
			return err
		}
		for start := 0; start < len(codes); start += codeBatch {
			chunk := codes[start:min(start+codeBatch, len(codes))]
			held, err := r.heldElsewhere(tx, awardID, chunk)
			if err != nil {
				return err
			}
			fresh := chunk
			if len(held) > 0 {
				fresh = make([]string, 0, len(chunk)-len(held))
				for _, c := range chunk {
					if !held[c] {
						fresh = append(fresh, c)
					}
				}
			}
			n := 0
			if len(fresh) > 0 {
				if n, err = r.insertCodes(tx, awardID, fresh, now); err != nil {
					return fmt.Errorf("insert codes %d..%d: %w", start, start+len(chunk), err)
				}
			}
			out.Added += n
			out.Duplicates += len(fresh) - n
			out.HeldElsewhere += len(held)
		}
		return nil
	})
	return out, err
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
