// Package persistence implements the domain's repositories with gorm on MySQL/MariaDB or
// on an embedded SQLite file, and owns the schema migrations.
package persistence

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"github.com/lottery-go/lottery/infrastructure/config"
)

// Dialect names a SQL backend.
type Dialect string

const (
	MySQL  Dialect = "mysql"
	SQLite Dialect = "sqlite"
)

// DB is an open database and the dialect it speaks.
type DB struct {
	Gorm *gorm.DB
	// SQL is Gorm's own connection pool, for the statements written by hand.
	SQL     *sql.DB
	Dialect Dialect
	// MariaDB tells MariaDB from MySQL, which bound a statement's time differently.
	MariaDB bool
	// Where is a printable description of the backend without secrets.
	Where string
	// dsn is MySQL's, for pools of their own (writerPool).
	dsn string
	// memberQuiet replaces MemberQuiet when set (tests).
	memberQuiet time.Duration
}

// writerPool is a pool of up to conns connections for the order writer, of its own on
// MySQL, so that its prepared statements are held on those connections only and not on
// every connection of the shared pool. SQLite's statements live in this process: it
// shares the pool. release closes a pool of its own.
func (db *DB) writerPool(conns int) (pool *sql.DB, release func(), err error) {
	if db.Dialect != MySQL || db.dsn == "" {
		return db.SQL, func() {}, nil
	}
	pool, err = sql.Open("mysql", db.dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("mysql %s: %w", db.Where, err)
	}
	pool.SetMaxOpenConns(conns)
	pool.SetMaxIdleConns(conns)
	pool.SetConnMaxLifetime(30 * time.Minute)
	return pool, func() { _ = pool.Close() }, nil
}

// skipDuplicates makes an INSERT skip the rows whose unique key exists already. MySQL
// gets INSERT IGNORE, not gorm's ON DUPLICATE KEY UPDATE id = id: MariaDB 10.11 was seen
// to drop new rows of a multi-row upsert, without an error, after it had waited on a lock
// of a concurrent transaction. Callers validate their rows first, since IGNORE would also
// turn a too-long value into a warning.
func (db *DB) skipDuplicates() clause.Expression {
	if db.Dialect == MySQL {
		return clause.Insert{Modifier: "IGNORE"}
	}
	return clause.OnConflict{DoNothing: true}
}

// insertIgnore is the verb of a hand-written INSERT that skips rows whose keys exist, for
// statements the ORM cannot build (INSERT … SELECT); see skipDuplicates.
func (db *DB) insertIgnore() string {
	if db.Dialect == MySQL {
		return "INSERT IGNORE"
	}
	return "INSERT OR IGNORE"
}

// snapshot runs fn's reads in one read-only transaction, so they see the database at one
// moment: a write committing between two of them shows in both or in neither. InnoDB
// takes a repeatable-read snapshot at the first read; a SQLite transaction reads one
// snapshot by itself.
func (db *DB) snapshot(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var opts *sql.TxOptions
	if db.Dialect == MySQL {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return db.Gorm.WithContext(ctx).Transaction(fn, opts)
}

// OpenMySQL connects to MySQL/MariaDB and checks the connection within the timeout, so an
// unreachable server is an error, not a hang.
func OpenMySQL(ctx context.Context, dsn string) (*DB, error) {
	dsn = withDefaults(dsn)
	// The dialector asks the server for its version while opening, so a refused
	// connection surfaces here already.
	g, err := gorm.Open(mysql.Open(dsn), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("mysql %s unreachable: %w", redactDSN(dsn), err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(64)
	sqlDB.SetMaxIdleConns(64)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	db := &DB{Gorm: g, SQL: sqlDB, Dialect: MySQL, Where: redactDSN(dsn), MariaDB: isMariaDB(g), dsn: dsn}
	if err := db.Ping(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("mysql %s unreachable: %w", db.Where, err)
	}
	return db, nil
}

// isMariaDB reads the server version the dialector asked for while opening.
func isMariaDB(g *gorm.DB) bool {
	d, ok := g.Dialector.(*mysql.Dialector)
	return ok && strings.Contains(d.ServerVersion, "MariaDB")
}

// OpenSQLite opens (creating if needed) the SQLite file at path in WAL mode.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	// immediate transactions take the write lock up front: a deferred one that reads and
	// then writes can fail with SQLITE_BUSY at once instead of waiting busy_timeout.
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_txlock=immediate"
	g, err := gorm.Open(sqlite.Open(dsn), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(8)
	db := &DB{Gorm: g, SQL: sqlDB, Dialect: SQLite, Where: "sqlite " + path}
	if err := db.Ping(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 logger.Discard,
		DisableAutomaticPing:   true, // Ping below, with a deadline and a clear message
		SkipDefaultTransaction: true,
		PrepareStmt:            false,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
}

// withDefaults adds what the application relies on: UTC times parsed into time.Time,
// connection timeouts, and client-side interpolation of arguments (safe with utf8mb4),
// which saves the prepare and close round trips the driver otherwise makes for every
// statement with arguments — two of three round trips on the order writer's path. Each
// stays as given when the DSN already says otherwise.
func withDefaults(dsn string) string {
	params := map[string]string{"parseTime": "true", "loc": "UTC", "timeout": "5s", "charset": "utf8mb4", "interpolateParams": "true"}
	for k, v := range params {
		if strings.Contains(dsn, k+"=") {
			continue
		}
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + k + "=" + v
	}
	return dsn
}

// redactDSN hides the password of user:pass@tcp(...)/db, and the parameters.
func redactDSN(dsn string) string {
	masked := config.MaskDSN(dsn)
	if q := strings.Index(masked, "?"); q >= 0 {
		masked = masked[:q]
	}
	return masked
}

// Ping checks the database answers within 3 seconds.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return db.SQL.PingContext(ctx)
}

// Close releases the connections.
func (db *DB) Close() error {
	return db.SQL.Close()
}

// createPrivate makes the folder (0700) and the empty database file (0600) of path if they
// are missing: the file holds every user's orders and codes, and SQLite gives its journal
// the database file's permissions.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return f.Close()
}
