package persistence

import (
	"context"
	"database/sql"
	"math/bits"
	"strings"
	"sync"
	"time"
)

// batchInsert writes many rows of one table as prepared multi-row INSERTs of 1, 2, 4, …
// rows, one per bit of the row count. The server keeps each statement parsed and only
// binds the values it is sent; the same rows as one text INSERT cost MariaDB about a
// quarter more CPU, spent lexing and parsing every literal (docs/BENCHMARKS.md). A batch
// of n rows takes popcount(n) statements in its transaction instead of one.
type batchInsert struct {
	db      *sql.DB
	head    string // INSERT INTO t (columns) VALUES
	row     string // (?,?,…), one per column
	cols    int
	maxRows int // a power of two

	mu    sync.Mutex
	stmts map[int]*sql.Stmt
	// refused holds when the server last refused to prepare a size, which is not asked
	// again for a minute (e.g. while max_prepared_stmt_count is reached).
	refused map[int]time.Time
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
		wait := time.Since(b.refused[n]) < prepareAgainAfter
		b.mu.Unlock()
		if ok || wait {
			continue
		}
		stmt, err := b.db.PrepareContext(ctx, b.query(n))
		b.mu.Lock()
		if err != nil {
			b.refused[n] = time.Now()
			b.mu.Unlock()
			continue
		}
		if _, ok := b.stmts[n]; ok {
			_ = stmt.Close()
		} else {
			b.stmts[n] = stmt
		}
		b.mu.Unlock()
	}
}

// exec inserts rows rows whose values are args, cols per row, in tx.
func (b *batchInsert) exec(ctx context.Context, tx *sql.Tx, rows int, args []any) error {
	done := 0
	for _, n := range b.chunks(rows) {
		part := args[done*b.cols : (done+n)*b.cols]
		b.mu.Lock()
		stmt := b.stmts[n]
		b.mu.Unlock()
		var err error
		if stmt != nil {
			_, err = tx.StmtContext(ctx, stmt).ExecContext(ctx, part...)
		} else {
			_, err = tx.ExecContext(ctx, b.query(n), part...)
		}
		if err != nil {
			return err
		}
		done += n
	}
	return nil
}

// close releases the prepared statements.
func (b *batchInsert) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for n, stmt := range b.stmts {
		_ = stmt.Close()
		delete(b.stmts, n)
	}
}
