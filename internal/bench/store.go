package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"github.com/lottery-go/lottery/infrastructure/persistence"
)

// Store reads a Lottery database for the invariant checks. It never writes.
type Store struct {
	db    *sql.DB
	Where string
	close func() error
}

// OpenStore connects to MySQL/MariaDB when dsn is set, else to the SQLite file at path.
func OpenStore(ctx context.Context, dsn, path string) (*Store, error) {
	var (
		db  *persistence.DB
		err error
	)
	switch {
	case dsn != "":
		db, err = persistence.OpenMySQL(ctx, dsn)
	case path != "":
		// Opening a missing file would create an empty database and every check would
		// then fail with "no such table", far from the real mistake.
		if _, statErr := os.Stat(path); statErr != nil {
			return nil, fmt.Errorf("sqlite file: %w", statErr)
		}
		db, err = persistence.OpenSQLite(ctx, path)
	default:
		return nil, errors.New("no SQL access: give a MySQL DSN or a SQLite path")
	}
	if err != nil {
		return nil, err
	}
	return &Store{db: db.SQL, Where: db.Where, close: db.Close}, nil
}

// NewStore reads through an open database; closing it stays with the caller.
func NewStore(db *sql.DB, where string) *Store {
	return &Store{db: db, Where: where, close: func() error { return nil }}
}

// Close releases the connection.
func (s *Store) Close() error { return s.close() }

// facts is how an activity is configured, as SQL holds it.
type facts struct {
	stock, perUserTotal, perUserDaily int64
	mode                              string
	timeZone                          string // the activity's, which its days are in
	prizes                            []prizeFacts
}

type prizeFacts struct {
	id, awardID, ppm, stock, dailyQuota int64
	released                            int64 // -1 when no release plan has put anything in yet
}

func (s *Store) facts(ctx context.Context, activityID int64) (facts, error) {
	var f facts
	err := s.db.QueryRowContext(ctx, `SELECT stock, per_user_total, per_user_daily, time_zone FROM activities WHERE id = ?`, activityID).
		Scan(&f.stock, &f.perUserTotal, &f.perUserDaily, &f.timeZone)
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("activity %d is not in this database (%s)", activityID, s.Where)
	}
	if err != nil {
		return f, fmt.Errorf("read activity %d: %w", activityID, err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT mode FROM strategies WHERE activity_id = ?`, activityID).Scan(&f.mode); err != nil {
		return f, fmt.Errorf("read strategy of activity %d: %w", activityID, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.award_id, p.probability_ppm, p.stock, p.daily_quota, COALESCE(r.released, -1)
		FROM prize_slots p LEFT JOIN prize_releases r ON r.prize_id = p.id
		WHERE p.activity_id = ? ORDER BY p.position`, activityID)
	if err != nil {
		return f, fmt.Errorf("read prizes of activity %d: %w", activityID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p prizeFacts
		if err := rows.Scan(&p.id, &p.awardID, &p.ppm, &p.stock, &p.dailyQuota, &p.released); err != nil {
			return f, fmt.Errorf("read prize: %w", err)
		}
		f.prizes = append(f.prizes, p)
	}
	return f, rows.Err()
}

// count runs a query answering one number.
func (s *Store) count(ctx context.Context, what, query string, args ...any) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", what, err)
	}
	return n, nil
}
