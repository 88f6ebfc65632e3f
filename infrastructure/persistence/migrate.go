package persistence

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
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

// migrateLock is the named lock that processes migrating one database take in turn.
const migrateLock = "lottery-migrate-"

// lockMigrations makes processes that start together on one MySQL database migrate it in
// turn. Without it each saw the same pending migrations, and all but the first failed on
// tables the first had just made (MySQL's DDL is not transactional; goose's own session
// lock leaves its first look at the version table out). One process owns a SQLite file
// (see the data directory's lock), so there it is not needed.
func (db *DB) lockMigrations(ctx context.Context) (unlock func(), err error) {
	unlock, got, err := db.namedLock(ctx, migrateLock, migrationLockWait)
	switch {
	case err != nil:
		return nil, fmt.Errorf("take the migration lock: %w", err)
	case !got:
		return nil, fmt.Errorf("take the migration lock: another process has held it for %s", migrationLockWait)
	}
	return unlock, nil
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

// ErrSchemaBehind: the database lacks migrations this binary needs.
var ErrSchemaBehind = errors.New("the database schema is behind this binary")

// CheckSchema says, as ErrSchemaBehind, which migrations the database still lacks; a
// process that does not migrate by itself must not serve on an older schema.
func (db *DB) CheckSchema(ctx context.Context) error {
	st, err := db.MigrationStatuses(ctx)
	if err != nil {
		return err
	}
	var missing []string
	for _, m := range st {
		if !m.Applied {
			missing = append(missing, strconv.FormatInt(m.Version, 10))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: migrations %s are not applied: run lottery migrate up (or serve with migrate on)",
			ErrSchemaBehind, strings.Join(missing, ", "))
	}
	return nil
}

// SchemaAhead returns the database's schema version when a newer lottery has migrated it
// past this binary's last migration, or 0. Such a database still serves an older binary
// (migrations add, and drop only indexes), but that binary knows nothing of what was
// added: the operator should hear of it, as after a rollback.
func (db *DB) SchemaAhead(ctx context.Context) (int64, error) {
	p, err := db.provider()
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	sources := p.ListSources()
	if len(sources) == 0 || current <= sources[len(sources)-1].Version {
		return 0, nil
	}
	return current, nil
}
