package persistence

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
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

// refusingConn is a driver connection that prepares nothing and records what it is
// asked to execute.
type refusingConn struct{ log *connLog }

type connLog struct {
	prepares int
	execs    []string
}

func (c refusingConn) Prepare(string) (driver.Stmt, error) {
	c.log.prepares++
	return nil, errors.New("refused")
}
func (c refusingConn) Close() error              { return nil }
func (c refusingConn) Begin() (driver.Tx, error) { return c, nil }
func (c refusingConn) Commit() error             { return nil }
func (c refusingConn) Rollback() error           { return nil }
func (c refusingConn) ExecContext(_ context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.log.execs = append(c.log.execs, fmt.Sprintf("%d args: %s", len(args), q))
	return driver.RowsAffected(len(args) / 2), nil
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
	want := []string{
		"4 args: INSERT INTO t (a, b) VALUES (?,?),(?,?)",
		"2 args: INSERT INTO t (a, b) VALUES (?,?)",
	}
	if !slices.Equal(log.execs, want) {
		t.Errorf("executed %q, want %q", log.execs, want)
	}
}
