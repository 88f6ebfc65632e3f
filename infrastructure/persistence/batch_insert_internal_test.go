package persistence

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// A batch is written with one statement per bit of its size, none over the largest.
func TestBatchInsertChunks(t *testing.T) {
	t.Parallel()
	b := newBatchInsert(nil, "INSERT INTO t (a, b) VALUES ", "(?,?)", 500)
	for rows, want := range map[int][]int{
		0:   nil,
		1:   {1},
		7:   {4, 2, 1},
		62:  {32, 16, 8, 4, 2},
		256: {256},
		500: {256, 128, 64, 32, 16, 4},
		700: {256, 256, 128, 32, 16, 8, 4},
	} {
		if got := b.chunks(rows); !slices.Equal(got, want) {
			t.Errorf("%d rows: %v, want %v", rows, got, want)
		}
	}
	if b.cols != 2 {
		t.Errorf("cols %d, want 2", b.cols)
	}
	if got, want := b.query(3), "INSERT INTO t (a, b) VALUES (?,?),(?,?),(?,?)"; got != want {
		t.Errorf("query(3) = %s, want %s", got, want)
	}
}

// refusingConn is a driver connection that prepares only the first log.allow statements
// (of every connection together), refusing the others as MySQL does at its limit, and
// records what it executes.
type refusingConn struct{ log *connLog }

type connLog struct {
	mu       sync.Mutex
	allow    int
	prepares int
	execs    []string
}

func (l *connLog) record(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.execs = append(l.execs, s)
}

func (c refusingConn) Prepare(q string) (driver.Stmt, error) {
	c.log.mu.Lock()
	defer c.log.mu.Unlock()
	c.log.prepares++
	if c.log.allow > 0 {
		c.log.allow--
		return preparedStmt{c.log, q}, nil
	}
	return nil, &mysql.MySQLError{Number: 1461, Message: "Can't create more than max_prepared_stmt_count statements"}
}
func (c refusingConn) Close() error              { return nil }
func (c refusingConn) Begin() (driver.Tx, error) { return c, nil }
func (c refusingConn) Commit() error             { return nil }
func (c refusingConn) Rollback() error           { return nil }
func (c refusingConn) ExecContext(_ context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.log.record(fmt.Sprintf("%d args: %s", len(args), q))
	return driver.RowsAffected(len(args) / 2), nil
}

type preparedStmt struct {
	log *connLog
	q   string
}

func (s preparedStmt) Close() error  { return nil }
func (s preparedStmt) NumInput() int { return -1 }
func (s preparedStmt) Exec(args []driver.Value) (driver.Result, error) {
	s.log.record(fmt.Sprintf("%d args prepared: %s", len(args), s.q))
	return driver.RowsAffected(len(args) / 2), nil
}
func (s preparedStmt) Query([]driver.Value) (driver.Rows, error) {
	return nil, errors.New("no rows here")
}

type refusingConnector struct{ log *connLog }

func (c refusingConnector) Connect(context.Context) (driver.Conn, error) { return refusingConn(c), nil }
func (c refusingConnector) Driver() driver.Driver                        { return nil }

// A size the server refuses to prepare is written as text, and not asked for again at once.
func TestBatchInsertFallsBackToText(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var log connLog
	db := sql.OpenDB(refusingConnector{&log})
	defer db.Close()
	b := newBatchInsert(db, "INSERT INTO t (a, b) VALUES ", "(?,?)", 8)
	b.prepare(ctx, 3)
	if len(b.stmts) != 0 || len(b.refused) != 2 {
		t.Fatalf("prepared %d, refused %d; want 0 and 2", len(b.stmts), len(b.refused))
	}
	asked := log.prepares
	b.refused[2] = time.Now().Add(-prepareAgainAfter)
	b.prepare(ctx, 3)
	if got := log.prepares - asked; got != 1 {
		t.Errorf("asked %d times after size 2's minute passed, want once (size 1 waits)", got)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.exec(ctx, tx, 3, []any{1, "x", 2, "y", 3, nil}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"4 args: INSERT INTO t (a, b) VALUES (?,?),(?,?)",
		"2 args: INSERT INTO t (a, b) VALUES (?,?)",
	}
	if !slices.Equal(log.execs, want) {
		t.Errorf("executed %q, want %q", log.execs, want)
	}
}

// A statement prepared on one connection that another connection cannot prepare (the
// server's limit reached meanwhile) is executed there as text, in the same transaction.
func TestBatchInsertFallsBackToTextOnAnotherConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	log := connLog{allow: 1}
	db := sql.OpenDB(refusingConnector{&log})
	defer db.Close()
	b := newBatchInsert(db, "INSERT INTO t (a, b) VALUES ", "(?,?)", 8)
	b.prepare(ctx, 1)
	tx, err := db.BeginTx(ctx, nil) // on the connection that prepared it
	if err != nil {
		t.Fatal(err)
	}
	held, err := db.Conn(ctx) // another
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	other, err := held.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []*sql.Tx{tx, other} {
		if err := b.exec(ctx, in, 1, []any{1, "x"}); err != nil {
			t.Fatal(err)
		}
		if err := in.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"2 args prepared: INSERT INTO t (a, b) VALUES (?,?)",
		"2 args: INSERT INTO t (a, b) VALUES (?,?)",
	}
	if !slices.Equal(log.execs, want) {
		t.Errorf("executed %q, want %q", log.execs, want)
	}
	if b.prepared.Load() != 1 || b.text.Load() != 1 || b.refused[1].IsZero() {
		t.Errorf("prepared %d, text %d, refused at %v; want 1, 1 and now", b.prepared.Load(), b.text.Load(), b.refused[1])
	}
}

// Nothing is prepared once closed: a write still in flight when the writer closes cannot
// leave a statement on the server that nothing would close.
func TestBatchInsertPreparesNothingOnceClosed(t *testing.T) {
	t.Parallel()
	log := connLog{allow: 5}
	db := sql.OpenDB(refusingConnector{&log})
	defer db.Close()
	b := newBatchInsert(db, "INSERT INTO t (a, b) VALUES ", "(?,?)", 8)
	b.close()
	b.prepare(context.Background(), 3)
	if len(b.stmts) != 0 || log.prepares != 0 {
		t.Errorf("%d statements kept, %d prepared after close", len(b.stmts), log.prepares)
	}
}
