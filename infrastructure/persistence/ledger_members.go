package persistence

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// ledgerMemberLock, followed by a slot number, is held for as long as it runs by a process
// whose Redis is shared (redis.addr) while its database is MySQL. The connection that holds
// it names the process in that Redis too (see LedgerMember), so that a process can tell
// whether the others on its database keep their counters where it does: a process on
// another Redis server, another Redis database or another redis.prefix would let users
// draw up to their limits and sell the stock a second time.
const ledgerMemberLock = "lottery-member-"

const memberSlots = 64

func memberSlot(i int) string { return fmt.Sprintf("%s%02d-", ledgerMemberLock, i) }

// LedgerMember is a process's member slot, held for as long as it runs.
type LedgerMember struct {
	release func()
	holder  atomic.Int64
}

// ID is the MySQL connection id of the slot's connection; 0 without a slot (SQLite, every
// slot taken by others, or given up). After a network cut it may stay the old connection's
// until the lock is taken again, which the server may hold all that time.
func (m *LedgerMember) ID() int64 { return m.holder.Load() }

// Release gives the slot up.
func (m *LedgerMember) Release() { m.release() }

// HoldLedgerMember takes a free member slot for as long as the process runs, once join,
// given the MySQL connection id that will hold it, has passed: the holders are the
// processes that passed theirs, and a process refused never counts against another. lost
// hears of the slot lost and not taken again (see holdLock). With every slot held by
// others, the process has none: it has checked the others all the same, and they do not
// see it.
func (db *DB) HoldLedgerMember(ctx context.Context, lost func(error), join func(id int64) error) (*LedgerMember, error) {
	m := &LedgerMember{release: func() {}}
	if db.Dialect == SQLite {
		return m, nil
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("take a place among the processes on this database: %w", err)
	}
	var id int64
	if err := conn.QueryRowContext(ctx, `SELECT CONNECTION_ID()`).Scan(&id); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("take a place among the processes on this database: %w", err)
	}
	if err := join(id); err != nil {
		_ = conn.Close()
		return nil, err
	}
	l, got, err := freeMemberSlot(func(prefix string) (*heldLock, bool, error) { return takeLockOn(ctx, conn, prefix, 0) })
	if err != nil || !got {
		_ = conn.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("take a place among the processes on this database: %w", err)
	}
	if got {
		m.release = db.keepHeld(l, lost, memberKeepEvery, db.anyMemberSlot, &m.holder)
		db.forgetSilentMembers(ctx)
	}
	return m, nil
}

// anyMemberSlot takes the first free member slot on a new connection: a slot lost with its
// connection may stay held by it on the server for hours (a network cut), and slots are
// all alike.
func (db *DB) anyMemberSlot(ctx context.Context) (*heldLock, bool, error) {
	return freeMemberSlot(func(prefix string) (*heldLock, bool, error) { return db.takeLock(ctx, prefix, 0) })
}

// freeMemberSlot takes the first member slot that take gets.
func freeMemberSlot(take func(prefix string) (*heldLock, bool, error)) (*heldLock, bool, error) {
	for i := range memberSlots {
		l, got, err := take(memberSlot(i))
		if err != nil || got {
			return l, got, err
		}
	}
	return nil, false, nil
}

// memberKeepEvery is how often a process asks after its member slot, and so how soon it
// takes a lost one again.
const memberKeepEvery = 5 * time.Second

// MemberQuiet is how long a process holding a place may go without saying it runs
// (MarkMemberSeen) before its place is taken for one of a process gone without closing its
// connection (a host lost with its network), which MySQL would hold until wait_timeout (8
// hours by default).
const MemberQuiet = 20 * time.Second

// MarkMemberSeen says that the process whose place connection id holds still runs.
func (db *DB) MarkMemberSeen(ctx context.Context, id int64) error {
	if db.Dialect == SQLite {
		return nil
	}
	_, err := db.SQL.ExecContext(ctx, `INSERT INTO ledger_members (connection_id, seen_at) VALUES (?, NOW(6))
		ON DUPLICATE KEY UPDATE seen_at = NOW(6)`, id)
	if err != nil {
		return fmt.Errorf("say in the database that this process runs: %w", err)
	}
	return nil
}

// forgetSilentMembers removes what processes silent for an hour said, once a process has
// taken its place: the rows of processes that ended, which each start trims.
func (db *DB) forgetSilentMembers(ctx context.Context) {
	_, _ = db.SQL.ExecContext(ctx, `DELETE FROM ledger_members WHERE seen_at < NOW(6) - INTERVAL 1 HOUR`)
}

// LedgerMembers returns the MySQL connection ids that hold member slots: one for each
// process with a shared Redis on this database (up to memberSlots of them). A process that
// has not said it runs for longer than MemberQuiet is left out.
func (db *DB) LedgerMembers(ctx context.Context) ([]int64, error) {
	ids, err := db.memberHolders(ctx)
	if err != nil || len(ids) == 0 {
		return ids, err
	}
	quiet := MemberQuiet
	if db.memberQuiet > 0 {
		quiet = db.memberQuiet
	}
	marks, args := inList(ids)
	var gone []int64
	err = db.Gorm.WithContext(ctx).Raw(`SELECT connection_id FROM ledger_members
		WHERE connection_id IN (`+marks+`) AND seen_at < NOW(6) - INTERVAL ? MICROSECOND`,
		append(args, quiet.Microseconds())...).Scan(&gone).Error
	if err != nil {
		return nil, fmt.Errorf("look up when the processes on this database last ran: %w", err)
	}
	return slices.DeleteFunc(ids, func(id int64) bool { return slices.Contains(gone, id) }), nil
}

// memberHolders returns the MySQL connection ids that hold member slots.
func (db *DB) memberHolders(ctx context.Context) ([]int64, error) {
	ids, err := db.slotHolders(ctx, memberSlot, memberSlots)
	if err != nil {
		return nil, fmt.Errorf("list the processes on this database: %w", err)
	}
	return ids, nil
}

// LedgerIdentity names this database: a random name made by its migrations, which a
// failover, a restored backup or a re-created server container keeps. Processes announce
// themselves in Redis under it, so that processes of two deployments whose connection ids
// happen to match are not taken for one another in a Redis they share by mistake.
func (db *DB) LedgerIdentity(ctx context.Context) (string, error) {
	var name string
	if err := db.SQL.QueryRowContext(ctx, `SELECT name FROM ledger_identity WHERE id = 1`).Scan(&name); err != nil {
		return "", fmt.Errorf("name this database: %w", err)
	}
	return name, nil
}

// DescribeConnections says, for those of ids this user can see in the process list, which
// MySQL user and client address each is.
func (db *DB) DescribeConnections(ctx context.Context, ids []int64) map[int64]string {
	out := map[int64]string{}
	if db.Dialect == SQLite || len(ids) == 0 {
		return out
	}
	marks, args := inList(ids)
	rows, err := db.SQL.QueryContext(ctx, `SELECT ID, USER, HOST FROM information_schema.PROCESSLIST WHERE ID IN (`+marks+`)`, args...)
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var user, host string
		if rows.Scan(&id, &user, &host) == nil {
			out[id] = user + "@" + host
		}
	}
	return out
}

// inList is the placeholders of an IN list of ids and their arguments.
func inList(ids []int64) (string, []any) {
	args := make([]any, len(ids), len(ids)+1)
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", "), args
}
