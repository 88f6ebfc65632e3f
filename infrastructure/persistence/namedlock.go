package persistence

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// lockName is a named lock's name for the connection's database: named locks are
// server-wide, and a name may be 64 characters long on MySQL, which a database name alone
// may be. The hash takes 40 of them: a prefix may have 24.
func lockName(prefix string) string { return `CONCAT('` + prefix + `', SHA1(DATABASE()))` }

// namedLock takes a named lock of the MySQL server for this database, waiting up to wait,
// on a connection of its own that holds it until unlock: a process that dies lets the
// next have it at once. got is false when another connection held it all that time. On
// SQLite, which one process owns, every lock is had at once.
func (db *DB) namedLock(ctx context.Context, prefix string, wait time.Duration) (unlock func(), got bool, err error) {
	l, got, err := db.takeLock(ctx, prefix, wait)
	if err != nil || !got {
		return nil, got, err
	}
	return l.unlock, true, nil
}

// heldLock is a named lock and the connection that holds it, whose MySQL connection id
// is id; nil on SQLite.
type heldLock struct {
	conn   *sql.Conn
	prefix string
	id     int64
}

func (db *DB) takeLock(ctx context.Context, prefix string, wait time.Duration) (*heldLock, bool, error) {
	if db.Dialect == SQLite {
		return nil, true, nil
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	l, got, err := takeLockOn(ctx, conn, prefix, wait)
	if err != nil || !got {
		_ = conn.Close()
	}
	return l, got, err
}

// takeLockOn is takeLock on conn, which it leaves open when the lock is not had.
func takeLockOn(ctx context.Context, conn *sql.Conn, prefix string, wait time.Duration) (*heldLock, bool, error) {
	var res sql.NullInt64
	var id int64
	err := conn.QueryRowContext(ctx, `SELECT GET_LOCK(`+lockName(prefix)+`, ?), CONNECTION_ID()`, int(wait.Seconds())).Scan(&res, &id)
	switch {
	case err != nil:
		return nil, false, err
	case !res.Valid:
		return nil, false, errors.New("the server could not give it")
	case res.Int64 != 1:
		return nil, false, nil
	}
	return &heldLock{conn: conn, prefix: prefix, id: id}, true, nil
}

func (l *heldLock) unlock() {
	if l == nil {
		return
	}
	// A healthy server answers at once; one that does not loses the connection, and the
	// lock with it, without holding the shutdown up.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := l.conn.ExecContext(ctx, `DO RELEASE_LOCK(`+lockName(l.prefix)+`)`); err != nil {
		// The lock goes with its connection: close it rather than pool it, or it would
		// stay held, idle, while other processes wait.
		_ = l.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = l.conn.Close()
}

// holds asks, on the lock's own connection, whether it still holds the lock; using the
// connection also keeps the server from closing it as idle (wait_timeout).
func (l *heldLock) holds(ctx context.Context) bool {
	var mine sql.NullInt64
	err := l.conn.QueryRowContext(ctx, `SELECT IS_USED_LOCK(`+lockName(l.prefix)+`) = CONNECTION_ID()`).Scan(&mine)
	return err == nil && mine.Valid && mine.Int64 == 1
}

// keepEvery is how often a lock held for as long as the process runs is asked after.
const keepEvery = 30 * time.Second

// holdLock is takeLock, not waiting, for as long as the process runs: every keepEvery the
// lock's connection checks that it still holds it (and so is never idle long enough for
// the server to close it); a lock lost all the same (a network cut, a server restart) is
// taken again on a new connection. lost hears of a lock that could not be taken again
// (err set; tried again later) and of one taken again (err nil).
func (db *DB) holdLock(ctx context.Context, prefix string, lost func(error)) (release func(), got bool, err error) {
	l, got, err := db.takeLock(ctx, prefix, 0)
	if err != nil || !got || l == nil {
		return func() {}, got, err
	}
	retake := func(ctx context.Context) (*heldLock, bool, error) { return db.takeLock(ctx, prefix, 0) }
	return db.keepHeld(l, lost, keepEvery, retake, nil), true, nil
}

// keepHeld keeps l for as long as the process runs, asking after it every every and, once
// it is lost, taking a lock again with retake, as holdLock does; release gives it up.
// holder, when set, keeps the MySQL connection id of the lock's connection: a new one once
// the lock is taken again on a new connection, 0 once released. While the lock is lost and
// not taken again, holder keeps the old connection's id, which may well still hold it on
// the server.
func (db *DB) keepHeld(l *heldLock, lost func(error), every time.Duration,
	retake func(context.Context) (*heldLock, bool, error), holder *atomic.Int64,
) (release func()) {
	publish := func(id int64) {
		if holder != nil {
			holder.Store(id)
		}
	}
	publish(l.id)
	stop, done := make(chan struct{}), make(chan struct{})
	// A look at the lock under way when the process stops is cut short: a database that
	// stopped answering would hold the shutdown for the look's whole timeout.
	looking, cancelLook := context.WithCancel(context.Background())
	go func() {
		defer close(done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				l.unlock()
				publish(0)
				return
			case <-tick.C:
			}
			l = db.keepLock(looking, l, lost, retake)
			publish(l.id)
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(stop); cancelLook(); <-done }) }
}

// keepLock returns l if it still holds its lock, else a lock taken again by retake (or l,
// to be tried again next time); given up, keeping l, when parent ends.
func (db *DB) keepLock(parent context.Context, l *heldLock, lost func(error), retake func(context.Context) (*heldLock, bool, error)) *heldLock {
	prefix := l.prefix
	ctx, cancel := context.WithTimeout(parent, 10*time.Second)
	defer cancel()
	if l.holds(ctx) || parent.Err() != nil { // stopping: the lock is given up next
		return l
	}
	again, got, err := retake(ctx)
	switch {
	case err != nil:
		lost(fmt.Errorf("named lock %s lost with its connection and not taken again: %w", prefix, err))
		return l
	case !got:
		lost(fmt.Errorf("named lock %s lost on its connection and not taken again: %s holds it", prefix, db.lockHolder(ctx, l)))
		return l
	}
	_ = l.conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = l.conn.Close()
	lost(nil)
	return again
}

// lockHolder describes who holds l's lock on the server: l's own connection (not closed by
// the server yet, e.g. after a network cut) or another.
func (db *DB) lockHolder(ctx context.Context, l *heldLock) string {
	var holder sql.NullInt64
	err := db.SQL.QueryRowContext(ctx, `SELECT IS_USED_LOCK(`+lockName(l.prefix)+`)`).Scan(&holder)
	switch {
	case err != nil || !holder.Valid:
		return "another connection"
	case holder.Int64 == l.id:
		return fmt.Sprintf("this process's own connection %d, which the server has not closed yet,", l.id)
	}
	return fmt.Sprintf("connection %d of another process", holder.Int64)
}

// privateLedgerLock is held by a process that keeps its counters in an in-process Redis
// while its orders are in this MySQL database.
const privateLedgerLock = "lottery-private-redis-"

// sharedLedgerLock, followed by a slot number, is held by a process whose Redis is shared
// (redis.addr); each takes a free slot of sharedSlots, so that a process with an
// in-process Redis finds them.
const sharedLedgerLock = "lottery-shared-redis-"

const sharedSlots = 64

func sharedSlot(i int) string { return fmt.Sprintf("%s%02d-", sharedLedgerLock, i) }

// ErrLedgerNotShared: processes sharing a database would keep separate counters, each
// letting users draw up to their limits and selling the stock again.
var ErrLedgerNotShared = errors.New("processes that share a database must share a Redis")

// HoldPrivateLedger is taken, for as long as the process runs, by a process whose Redis is
// in-process while its database is MySQL: a second such process, or one with a shared
// Redis, on the same database (whichever started first) is refused with
// ErrLedgerNotShared instead of overselling. lost hears of the lock lost and not taken
// again (see holdLock).
func (db *DB) HoldPrivateLedger(ctx context.Context, lost func(error)) (release func(), err error) {
	release, got, err := db.holdLock(ctx, privateLedgerLock, lost)
	switch {
	case err != nil:
		return nil, fmt.Errorf("check that no other process uses this database: %w", err)
	case !got:
		return nil, fmt.Errorf("%w: another lottery process uses this database with an in-process Redis of its own: "+
			"point every process at one Redis (redis.addr, LOTTERY_REDIS_ADDR)", ErrLedgerNotShared)
	}
	shared, err := db.sharedLedgerHeld(ctx)
	if err != nil || shared {
		release()
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("check that no other process uses this database: %w", err)
	case shared:
		return nil, fmt.Errorf("%w: lottery processes with a shared Redis (redis.addr) use this database: "+
			"give this process the same redis.addr", ErrLedgerNotShared)
	}
	return release, nil
}

// sharedLedgerHeld says whether a process with a shared Redis holds a slot.
func (db *DB) sharedLedgerHeld(ctx context.Context) (bool, error) {
	holders, err := db.slotHolders(ctx, sharedSlot, sharedSlots)
	return len(holders) > 0, err
}

// slotHolders returns the MySQL connection ids that hold the locks slot(0) … slot(n-1);
// none on SQLite.
func (db *DB) slotHolders(ctx context.Context, slot func(int) string, n int) ([]int64, error) {
	if db.Dialect == SQLite {
		return nil, nil
	}
	terms := make([]string, n)
	holders := make([]sql.NullInt64, n)
	dest := make([]any, n)
	for i := range n {
		terms[i] = `IS_USED_LOCK(` + lockName(slot(i)) + `)`
		dest[i] = &holders[i]
	}
	if err := db.SQL.QueryRowContext(ctx, `SELECT `+strings.Join(terms, ", ")).Scan(dest...); err != nil {
		return nil, err
	}
	var ids []int64
	for _, h := range holders {
		if h.Valid {
			ids = append(ids, h.Int64)
		}
	}
	return ids, nil
}

// HoldSharedLedger is taken, for as long as the process runs, by a process whose Redis is
// shared (redis.addr) while its database is MySQL: it is refused with ErrLedgerNotShared
// while a process with an in-process Redis uses the database, and marks the database as
// used with a shared Redis, so that such a process started later is refused. With every
// slot held by others, the database is marked already.
func (db *DB) HoldSharedLedger(ctx context.Context, lost func(error)) (release func(), err error) {
	if db.Dialect == SQLite {
		return func() {}, nil
	}
	if err := db.CheckNoPrivateLedger(ctx); err != nil {
		return nil, err
	}
	for i := range sharedSlots {
		release, got, err := db.holdLock(ctx, sharedSlot(i), lost)
		if err != nil {
			return nil, fmt.Errorf("check that no other process uses this database: %w", err)
		}
		if !got {
			continue
		}
		// A process with an in-process Redis that started at the same moment sees this
		// slot, or this process sees its lock.
		if err := db.CheckNoPrivateLedger(ctx); err != nil {
			release()
			return nil, err
		}
		return release, nil
	}
	return func() {}, nil
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
