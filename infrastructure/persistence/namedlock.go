package persistence

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"
)

// lockName is a named lock's name for the connection's database: named locks are
// server-wide, and a name may be 64 characters long, which a database name alone may be.
func lockName(prefix string) string { return `CONCAT('` + prefix + `', SHA1(DATABASE()))` }

// namedLock takes a named lock of the MySQL server for this database, waiting up to wait,
// on a connection of its own that holds it until unlock: a process that dies lets the
// next have it at once. got is false when another connection held it all that time. On
// SQLite, which one process owns, every lock is had at once.
func (db *DB) namedLock(ctx context.Context, prefix string, wait time.Duration) (unlock func(), got bool, err error) {
	if db.Dialect == SQLite {
		return func() {}, true, nil
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	var res sql.NullInt64
	err = conn.QueryRowContext(ctx, `SELECT GET_LOCK(`+lockName(prefix)+`, ?)`, int(wait.Seconds())).Scan(&res)
	switch {
	case err != nil:
	case !res.Valid:
		err = errors.New("the server could not give it")
	case res.Int64 != 1:
		_ = conn.Close()
		return nil, false, nil
	}
	if err != nil {
		_ = conn.Close()
		return nil, false, err
	}
	return func() {
		_, err := conn.ExecContext(context.WithoutCancel(ctx), `DO RELEASE_LOCK(`+lockName(prefix)+`)`)
		if err != nil {
			// The lock goes with its connection: close it rather than pool it, or it
			// would stay held, idle, while other processes wait.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
	}, true, nil
}

// privateLedgerLock is held by a process that keeps its counters in an in-process Redis
// while its orders are in this MySQL database.
const privateLedgerLock = "lottery-private-redis-"

// ErrLedgerNotShared: processes sharing a database would keep separate counters, each
// letting users draw up to their limits and selling the stock again.
var ErrLedgerNotShared = errors.New("processes that share a database must share a Redis")

// HoldPrivateLedger is taken, for as long as the process runs, by a process whose Redis is
// in-process while its database is MySQL: a second such process, or one with a Redis of
// its own, on the same database is refused with ErrLedgerNotShared instead of overselling.
func (db *DB) HoldPrivateLedger(ctx context.Context) (release func(), err error) {
	release, got, err := db.namedLock(ctx, privateLedgerLock, 0)
	switch {
	case err != nil:
		return nil, fmt.Errorf("check that no other process uses this database: %w", err)
	case !got:
		return nil, fmt.Errorf("%w: another lottery process uses this database with an in-process Redis of its own: "+
			"point every process at one Redis (redis.addr, LOTTERY_REDIS_ADDR)", ErrLedgerNotShared)
	}
	return release, nil
}

// CheckNoPrivateLedger refuses, with ErrLedgerNotShared, a process with a shared Redis on
// a database that a process with an in-process Redis uses.
func (db *DB) CheckNoPrivateLedger(ctx context.Context) error {
	if db.Dialect == SQLite {
		return nil
	}
	var holder sql.NullInt64
	if err := db.SQL.QueryRowContext(ctx, `SELECT IS_USED_LOCK(`+lockName(privateLedgerLock)+`)`).Scan(&holder); err != nil {
		return fmt.Errorf("check that no other process uses this database: %w", err)
	}
	if holder.Valid {
		return fmt.Errorf("%w: a lottery process with an in-process Redis uses this database: "+
			"give it redis.addr too, or stop it", ErrLedgerNotShared)
	}
	return nil
}
