package persistence

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/idgen"
)

// SearchTimeout bounds one search of orders that sets no TimeLimit of its own, a page of
// the order desk (an export's reads set a longer one). A search that filters order by order over a large activity could otherwise keep
// the database reading for minutes, beside the draws; it ends with draw.ErrSearchTooSlow.
// MySQL and MariaDB stop the statement themselves. SQLite's driver can only interrupt a
// statement before its first row is asked for, which is where such a search spends its
// time, so on SQLite (a single server's own file) searches are not bounded.
const SearchTimeout = 10 * time.Second

// serverStops is how much longer than the server's own bound the client waits for its
// answer: the server ends the statement, and the connection stays usable.
const serverStops = 5 * time.Second

// Search returns the orders q selects, newest first. Failed grants are read from their own
// short list (failed_grants), by activity when one is named. Otherwise an activity's orders
// are read in order from ix_orders_activity_seq; a user's are found by ix_orders_user and
// sorted (a user has few). drawn_after starts the read at the ids of its time, and
// drawn_before ends it there. Outcome, other grant states, award kind and draw time are
// checked row by row, so a filter on a
// rare state (awaiting_address) reads an activity's orders until the page is full: ~40 ms
// for 40,000 orders on MariaDB. Without an activity
// or a user, the whole table is read newest first. On MySQL a search ends after
// q.TimeLimit, or SearchTimeout when it sets none.
func (r *OrderRepo) Search(ctx context.Context, q draw.OrderSearch) ([]draw.Order, error) {
	query, args := searchSQL(q)
	limit := r.searchLimit
	if q.TimeLimit > 0 {
		limit = q.TimeLimit
	}
	asked := ctx
	if r.dialect == MySQL {
		bounded, cancel := context.WithTimeout(ctx, limit+serverStops)
		defer cancel()
		ctx, query = bounded, r.bounded(query, limit)
	}
	out, err := r.many(ctx, query, args...)
	// The server ends the statement; should it not have, the client's own deadline did.
	if serverTimedOut(err) || err != nil && asked.Err() == nil && ctx.Err() != nil {
		return nil, fmt.Errorf("%w: read orders for %v without finishing", draw.ErrSearchTooSlow, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("search orders: %w", err)
	}
	return out, nil
}

// bounded has the server end query after limit: MariaDB by a statement variable, MySQL
// by an optimizer hint (which MariaDB would take for a comment).
func (r *OrderRepo) bounded(query string, limit time.Duration) string {
	ms := max(limit.Milliseconds(), 1) // 0 would mean no bound
	if r.mariaDB {
		return fmt.Sprintf("SET STATEMENT max_statement_time = %.3f FOR %s", float64(ms)/1000, query)
	}
	return strings.Replace(query, "SELECT ", fmt.Sprintf("SELECT /*+ MAX_EXECUTION_TIME(%d) */ ", ms), 1)
}

// idClockSlack is how far behind or ahead of its draw time a search by draw time assumes
// an order's id may be. Ids made now are never behind (idgen's node keeps the wall clock's
// time and never goes back) and ahead only by what the clock was stepped back while their
// process ran; the hour covers orders of earlier versions, whose ids fell behind by as
// much as the wall clock was stepped forward (or the machine suspended) while their
// process ran. README says how to check a database for more.
const idClockSlack = time.Hour

// searchSQL is the statement of a search and its arguments. Failed grants are read from
// failed_grants, newest first, and the other filters from their orders; the order's own
// state is checked too, so a list out of step with the orders could only hide an order,
// never show one that has not failed.
func searchSQL(q draw.OrderSearch) (string, []any) {
	if q.GrantState == draw.GrantFailed {
		return listSQL(selectFailed, "f.activity_id", "f.order_id", q)
	}
	return listSQL(selectOrders, "o.activity_id", "o.id", q)
}

// listSQL reads from base (up to its WHERE) newest first by idCol, the activity named in
// activityCol.
func listSQL(base, activityCol, idCol string, q draw.OrderSearch) (string, []any) {
	query, args := base+"1 = 1", make([]any, 0, 9)
	if q.ActivityID != 0 {
		query, args = query+" AND "+activityCol+" = ?", append(args, q.ActivityID)
	}
	query, args = filterSQL(query, args, q)
	if !q.DrawnAfter.IsZero() {
		// Orders drawn from DrawnAfter on have ids from about then on: the read starts
		// there instead of going through every older order to check its time.
		query, args = query+" AND "+idCol+" >= ?", append(args, idgen.FloorAt(q.DrawnAfter.Add(-idClockSlack)))
	}
	if !q.DrawnBefore.IsZero() {
		// Orders drawn before DrawnBefore have ids from before about then: the read starts
		// there instead of going through every newer order first. An id runs ahead of its
		// draw time only by what a server's clock went back.
		query, args = query+" AND "+idCol+" < ?", append(args, idgen.FloorAt(q.DrawnBefore.Add(idClockSlack)))
	}
	if q.BeforeID != 0 {
		query, args = query+" AND "+idCol+" < ?", append(args, q.BeforeID)
	}
	return query + " ORDER BY " + idCol + " DESC LIMIT ?", append(args, q.Limit)
}

// filterSQL adds the filters that are checked on each order read.
func filterSQL(query string, args []any, q draw.OrderSearch) (string, []any) {
	if q.UserID != "" {
		query, args = query+" AND o.user_id = ?", append(args, q.UserID)
	}
	if q.Outcome != "" {
		query, args = query+" AND o.outcome = ?", append(args, string(q.Outcome))
	}
	if q.GrantState != "" {
		query, args = query+" AND o.grant_state = ?", append(args, string(q.GrantState))
	}
	if q.AwardKind != "" {
		query, args = query+" AND o.award_kind = ?", append(args, q.AwardKind)
	}
	if !q.DrawnAfter.IsZero() {
		query, args = query+" AND o.created_at >= ?", append(args, q.DrawnAfter.UTC())
	}
	if !q.DrawnBefore.IsZero() {
		query, args = query+" AND o.created_at < ?", append(args, q.DrawnBefore.UTC())
	}
	return query, args
}
