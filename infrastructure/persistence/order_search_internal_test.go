package persistence

import (
	"testing"
	"time"
)

// MariaDB and MySQL each get the statement bound they understand (MariaDB reads MySQL's
// hint as a comment; MySQL refuses SET STATEMENT … FOR).
func TestSearchStatementBounds(t *testing.T) {
	t.Parallel()
	query := "SELECT o.id FROM orders o WHERE 1 = 1 ORDER BY o.id DESC LIMIT ?"
	for _, c := range []struct {
		mariaDB bool
		limit   time.Duration
		want    string
	}{
		{true, 10 * time.Second, "SET STATEMENT max_statement_time = 10.000 FOR " + query},
		{true, time.Millisecond, "SET STATEMENT max_statement_time = 0.001 FOR " + query},
		{true, 1500 * time.Millisecond, "SET STATEMENT max_statement_time = 1.500 FOR " + query},
		{true, time.Microsecond, "SET STATEMENT max_statement_time = 0.001 FOR " + query}, // 0.000 is no bound
		{false, 10 * time.Second, "SELECT /*+ MAX_EXECUTION_TIME(10000) */ o.id FROM orders o WHERE 1 = 1 ORDER BY o.id DESC LIMIT ?"},
		{false, time.Microsecond, "SELECT /*+ MAX_EXECUTION_TIME(1) */ o.id FROM orders o WHERE 1 = 1 ORDER BY o.id DESC LIMIT ?"},
	} {
		r := &OrderRepo{dialect: MySQL, mariaDB: c.mariaDB}
		if got := r.bounded(query, c.limit); got != c.want {
			t.Errorf("mariaDB %v, %v: %s, want %s", c.mariaDB, c.limit, got, c.want)
		}
	}
}
