package persistence

import (
	"context"
	"database/sql"
	"errors"
	"math/bits"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
)

// batchInsert writes many rows of one table as prepared multi-row INSERTs of 1, 2, 4, …
// rows, one per bit of the row count. The server keeps each statement parsed and only
// binds the values it is sent; the same rows as one text INSERT cost MariaDB about a
// quarter more CPU, spent lexing and parsing every literal (docs/BENCHMARKS.md). A batch
// of n rows takes popcount(n) statements in its transaction instead of one. A statement is
// prepared on each connection it runs on and holds server memory there (~2 MB for 256
// orders on MariaDB), so the order writer gives it a pool of its own, of one connection.
type batchInsert struct {
	db      *sql.DB
	head    string // INSERT INTO t (columns) VALUES
	row     string // (?,?,…), one per column
	cols    int
	maxRows int // a power of two

	mu     sync.Mutex
	closed bool
	stmts  map[int]*sql.Stmt
	// refused holds when the server last refused to prepare a size, which is not asked
	// again for a minute (e.g. while max_prepared_stmt_count is reached).
	refused map[int]time.Time
	// prepared and text count the statements executed each way, for tests.
	prepared, text atomic.Int64
}

const prepareAgainAfter = time.Minute

func newBatchInsert(db *sql.DB, head, row string, maxRows int) *batchInsert {
	p := 1
	for p*2 <= maxRows {
		p *= 2
	}
	return &batchInsert{db: db, head: head, row: row, cols: strings.Count(row, "?"), maxRows: p,
		stmts: map[int]*sql.Stmt{}, refused: map[int]time.Time{}}
}

// chunks lists the statement sizes that write rows rows, largest first.
func (b *batchInsert) chunks(rows int) []int {
	var sizes []int
	for rows > 0 {
		n := b.maxRows
		if rows < n {
			n = 1 << (bits.Len(uint(rows)) - 1)
		}
		sizes = append(sizes, n)
		rows -= n
	}
	return sizes
}

func (b *batchInsert) query(rows int) string {
	var sb strings.Builder
	sb.Grow(len(b.head) + rows*(len(b.row)+1))
	sb.WriteString(b.head)
	for i := 0; i < rows; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(b.row)
	}
	return sb.String()
}

// prepare makes sure the statements that write rows rows exist. It runs before the
// transaction begins, so that preparing never waits for a connection the transaction
// holds; a statement the server refuses to prepare is left to exec's text fallback.
func (b *batchInsert) prepare(ctx context.Context, rows int) {
	for _, n := range b.chunks(rows) {
		b.mu.Lock()
		_, ok := b.stmts[n]
		wait := b.closed || time.Since(b.refused[n]) < prepareAgainAfter
		b.mu.Unlock()
		if ok || wait {
			continue
		}
		stmt, err := b.db.PrepareContext(ctx, b.query(n))
		if err != nil {
			b.refuse(n)
			continue
		}
		b.mu.Lock()
		if _, ok := b.stmts[n]; ok || b.closed {
			_ = stmt.Close()
		} else {
			b.stmts[n] = stmt
		}
		b.mu.Unlock()
	}
}

// refuse remembers that the server would not prepare the statement of n rows.
func (b *batchInsert) refuse(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refused[n] = time.Now()
}

// exec inserts rows rows whose values are args, cols per row, in tx. A statement that
// cannot be prepared on tx's connection (the server's limit on prepared statements
// reached meanwhile) is executed as text instead; the transaction is unharmed.
func (b *batchInsert) exec(ctx context.Context, tx *sql.Tx, rows int, args []any) error {
	done := 0
	for _, n := range b.chunks(rows) {
		part := args[done*b.cols : (done+n)*b.cols]
		done += n
		b.mu.Lock()
		stmt := b.stmts[n]
		b.mu.Unlock()
		if stmt != nil {
			_, err := tx.StmtContext(ctx, stmt).ExecContext(ctx, part...)
			if err == nil {
				b.prepared.Add(1)
				continue
			}
			if !notPreparable(err) {
				return err
			}
			b.refuse(n)
		}
		if _, err := tx.ExecContext(ctx, b.query(n), part...); err != nil {
			return err
		}
		b.text.Add(1)
	}
	return nil
}

// notPreparable recognises the server's refusal to prepare a statement: too many prepared
// statements on the server, too many placeholders, or a server that prepares no such
// statement.
func notPreparable(err error) bool {
	var my *mysql.MySQLError
	if !errors.As(err, &my) {
		return false
	}
	switch my.Number {
	case 1461, 1390, 1295: // ER_MAX_PREPARED_STMT_COUNT_REACHED, ER_PS_MANY_PARAM, ER_UNSUPPORTED_PS
		return true
	}
	return false
}

// close releases the prepared statements; none is prepared after it.
func (b *batchInsert) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for n, stmt := range b.stmts {
		_ = stmt.Close()
		delete(b.stmts, n)
	}
}
