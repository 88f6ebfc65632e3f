package persistence

import (
	"context"
	"database/sql"
	"fmt"
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
const ledgerMemberLock = "lottery-ledger-member-"

const memberSlots = 64

func memberSlot(i int) string { return fmt.Sprintf("%s%02d-", ledgerMemberLock, i) }

// LedgerMember is a process's member slot, held for as long as it runs.
type LedgerMember struct {
	release func()
	holder  atomic.Int64
}

// ID is the MySQL connection id that holds the slot now; 0 while none does (SQLite, every
// slot taken by others, or the slot lost with its connection and not yet taken again).
func (m *LedgerMember) ID() int64 { return m.holder.Load() }

// Release gives the slot up.
func (m *LedgerMember) Release() { m.release() }

// HoldLedgerMember takes a free member slot for as long as the process runs; lost hears of
// it lost and not taken again (see holdLock). With every slot held by others, the process
// has none: it checks the others all the same, and they do not see it.
func (db *DB) HoldLedgerMember(ctx context.Context, lost func(error)) (*LedgerMember, error) {
	m := &LedgerMember{release: func() {}}
	if db.Dialect == SQLite {
		return m, nil
	}
	for i := range memberSlots {
		release, got, err := db.holdLockAs(ctx, memberSlot(i), lost, &m.holder)
		if err != nil {
			return nil, fmt.Errorf("take a place among the processes on this database: %w", err)
		}
		if got {
			m.release = release
			return m, nil
		}
	}
	return m, nil
}

// MemberQuiet is how long a member's connection may sit idle before it is taken for the
// connection of a process that is gone without closing it (a host lost with its network):
// a running process asks after its lock every keepEvery. MySQL would hold such a lock until
// wait_timeout (8 hours by default).
const MemberQuiet = 2*keepEvery + 15*time.Second

// LedgerMembers returns the MySQL connection ids that hold member slots: one for each
// process with a shared Redis on this database (up to memberSlots of them). A connection
// idle for longer than MemberQuiet is left out; one this user cannot see in the process
// list (another MySQL user without the PROCESS privilege) is kept in.
func (db *DB) LedgerMembers(ctx context.Context) ([]int64, error) {
	ids, err := db.memberHolders(ctx)
	if err != nil || len(ids) == 0 {
		return ids, err
	}
	quiet := MemberQuiet
	if db.memberQuiet > 0 {
		quiet = db.memberQuiet
	}
	gone, err := db.quietConnections(ctx, ids, quiet)
	if err != nil {
		return nil, err
	}
	live := ids[:0]
	for _, id := range ids {
		if !gone[id] {
			live = append(live, id)
		}
	}
	return live, nil
}

// quietConnections returns those of ids that have sat idle (Sleep) for longer than quiet.
func (db *DB) quietConnections(ctx context.Context, ids []int64, quiet time.Duration) (map[int64]bool, error) {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	args := make([]any, 0, len(ids)+1)
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, int(quiet.Seconds()))
	rows, err := db.SQL.QueryContext(ctx, `SELECT ID FROM information_schema.PROCESSLIST
		WHERE ID IN (`+marks+`) AND COMMAND = 'Sleep' AND TIME > ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("look up the connections of the processes on this database: %w", err)
	}
	defer rows.Close()
	gone := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		gone[id] = true
	}
	return gone, rows.Err()
}

// memberHolders returns the MySQL connection ids that hold member slots.
func (db *DB) memberHolders(ctx context.Context) ([]int64, error) {
	if db.Dialect == SQLite {
		return nil, nil
	}
	terms := make([]string, memberSlots)
	for i := range terms {
		terms[i] = `IS_USED_LOCK(` + lockName(memberSlot(i)) + `)`
	}
	holders := make([]sql.NullInt64, memberSlots)
	dest := make([]any, memberSlots)
	for i := range holders {
		dest[i] = &holders[i]
	}
	if err := db.SQL.QueryRowContext(ctx, `SELECT `+strings.Join(terms, ", ")).Scan(dest...); err != nil {
		return nil, fmt.Errorf("list the processes on this database: %w", err)
	}
	var ids []int64
	for _, h := range holders {
		if h.Valid {
			ids = append(ids, h.Int64)
		}
	}
	return ids, nil
}
