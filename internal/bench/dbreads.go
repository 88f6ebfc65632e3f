package bench

import (
	"context"
	"fmt"
	"io"
)

// DBReads is what the database server read from disk while the draws ran: InnoDB's
// buffer-pool misses, counted server-wide. Once the orders' indexes outgrow the buffer
// pool, every draw waits for pages from disk and the rate falls to what the disk allows
// (docs/BENCHMARKS.md, "Sustained rate and the database's memory").
type DBReads struct {
	Misses       int64   `json:"buffer_pool_misses"`
	PerDraw      float64 `json:"misses_per_draw"`
	BufferPoolMB int64   `json:"buffer_pool_mb"`
}

// outgrown is the misses per draw above which the report says why: while the indexes fit,
// a run reads nothing (none in the first ~300,000 orders of the runs in
// docs/BENCHMARKS.md); once they have outgrown the pool, about a page per draw.
const outgrown = 0.05

// dbCounters reads InnoDB's buffer-pool misses so far and the pool's size; ok is false
// where there is no such thing (SQLite).
func (s *Store) dbCounters(ctx context.Context) (misses, poolMB int64, ok bool) {
	var name string
	if s.db.QueryRowContext(ctx, `SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_reads'`).Scan(&name, &misses) != nil {
		return 0, 0, false
	}
	var pool int64
	if s.db.QueryRowContext(ctx, `SELECT @@innodb_buffer_pool_size`).Scan(&pool) != nil {
		return 0, 0, false
	}
	return misses, pool >> 20, true
}

// dbReadsSince measures the reads since misses0 over draws acknowledged draws; nil where
// they cannot be read.
func (s *Store) dbReadsSince(ctx context.Context, misses0 int64, draws int64) *DBReads {
	misses, poolMB, ok := s.dbCounters(ctx)
	if !ok {
		return nil
	}
	r := &DBReads{Misses: misses - misses0, BufferPoolMB: poolMB}
	if draws > 0 {
		r.PerDraw = float64(r.Misses) / float64(draws)
	}
	return r
}

func (r *DBReads) print(w io.Writer) {
	fmt.Fprintf(w, "database  %d buffer-pool misses while drawing (%.2f per draw, server-wide), buffer pool %d MiB\n",
		r.Misses, r.PerDraw, r.BufferPoolMB)
	if r.PerDraw > outgrown {
		fmt.Fprintln(w, "          the database reads from disk: the orders' indexes outgrow innodb_buffer_pool_size,")
		fmt.Fprintln(w, "          which caps the rate (docs/BENCHMARKS.md, \"Sustained rate and the database's memory\")")
	}
}
