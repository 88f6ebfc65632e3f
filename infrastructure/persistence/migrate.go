package persistence

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/lottery-go/lottery/infrastructure/persistence/migrations"
)

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Version int64
	Source  string
	Applied bool
}

func (db *DB) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations.FS, string(db.Dialect))
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectMySQL
	if db.Dialect == SQLite {
		dialect = goose.DialectSQLite3
	}
	return goose.NewProvider(dialect, db.SQL, sub)
}

// migrationLockWait is how long a process waits for another's migrations: the longest of
// them rebuilds an index of the orders table.
const migrationLockWait = 10 * time.Minute

// migrationLockName is the lock's name for the connection's database: named locks are
// server-wide, and a name may be 64 characters long, which a database name alone may be.
const migrationLockName = `CONCAT('lottery-migrate-', SHA1(DATABASE()))`

// lockMigrations makes processes that start together on one MySQL database migrate it in
// turn. Without it each saw the same pending migrations, and all but the first failed on
// tables the first had just made (MySQL's DDL is not transactional; goose's own session
// lock leaves its first look at the version table out). It is a named lock of the
// server, held by one connection of this process: one that dies lets the next go on at
// once. One process owns a SQLite file (see the data directory's lock), so there it is
// not needed.
func (db *DB) lockMigrations(ctx context.Context) (unlock func(), err error) {
	if db.Dialect == SQLite {
		return func() {}, nil
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("take the migration lock: %w", err)
	}
	var got sql.NullInt64
	err = conn.QueryRowContext(ctx, `SELECT GET_LOCK(`+migrationLockName+`, ?)`, int(migrationLockWait.Seconds())).Scan(&got)
	switch {
	case err != nil:
	case !got.Valid:
		err = errors.New("the server could not give it")
	case got.Int64 != 1:
		err = fmt.Errorf("another process has held it for %s", migrationLockWait)
	}
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("take the migration lock: %w", err)
	}
	return func() {
		_, err := conn.ExecContext(context.WithoutCancel(ctx), `DO RELEASE_LOCK(`+migrationLockName+`)`)
		if err != nil {
			// The lock goes with its connection: close it rather than pool it, or it
			// would stay held, idle, while other processes wait.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
	}, nil
}

// MigrateUp applies every pending migration and returns how many ran.
func (db *DB) MigrateUp(ctx context.Context) (int, error) {
	p, err := db.provider()
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	unlock, err := db.lockMigrations(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate up: %w", err)
	}
	return len(res), nil
}

// MigrationStatuses lists every known migration with its state.
func (db *DB) MigrationStatuses(ctx context.Context) ([]MigrationStatus, error) {
	p, err := db.provider()
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationStatus, len(st))
	for i, s := range st {
		out[i] = MigrationStatus{Version: s.Source.Version, Source: s.Source.Path, Applied: s.State == goose.StateApplied}
	}
	return out, nil
}
