package persistence_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

// An activity's bulk reads go through ix_orders_activity_seq, the index that grows at
// the activity's end: the aggregates from the index alone, the order desk's page in id
// order without sorting. Another index or a sort here would mean an index was dropped or
// changed under a query that needs it.
func TestActivityReadsUseTheActivityIndex(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		insertOrders(t, env, 3, 400)
		analyze(t, env, "orders")
		for name, st := range persistence.ActivityReads() {
			plan := explain(t, env, st)
			assert.Contains(t, plan, "ix_orders_activity_seq", "%s: %s", name, plan)
			switch {
			case name == "desk page":
				assert.NotContains(t, strings.ToLower(plan), "filesort", "%s: %s", name, plan)
				assert.NotContains(t, plan, "TEMP B-TREE FOR ORDER BY", "%s: %s", name, plan)
			case env.Name == "mysql":
				assert.Contains(t, plan, "Using index", "%s reads the index alone: %s", name, plan)
			default:
				assert.Contains(t, plan, "COVERING INDEX ix_orders_activity_seq", "%s reads the index alone: %s", name, plan)
			}
		}
	})
}

// insertOrders writes perActivity orders to each of activities 1..activities, a third
// of them wins of one of three prizes, spread over users and two days.
func insertOrders(t *testing.T, env testkit.SQLEnv, activities, perActivity int) {
	t.Helper()
	var sb strings.Builder
	sb.WriteString(`INSERT INTO orders (id, activity_id, strategy_id, user_id, day, outcome, prize_id,
		idempotency_key, grant_state, mq_state, created_at, updated_at) VALUES `)
	id := 0
	for a := 1; a <= activities; a++ {
		for i := range perActivity {
			id++
			outcome, prize := "'lose'", "NULL"
			if i%3 == 0 {
				outcome, prize = "'win'", fmt.Sprint(10*a+i%9/3)
			}
			if id > 1 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, "(%d, %d, 1, 'u%d', '2026-11-%d', %s, %s, 'k%d', 'none', 'none', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
				id, a, i%97, 21+i%2, outcome, prize, id)
		}
	}
	require.NoError(t, env.DB.Gorm.Exec(sb.String()).Error)
}

// analyze refreshes the planner's statistics of tables (every table on SQLite).
func analyze(t *testing.T, env testkit.SQLEnv, tables string) {
	t.Helper()
	if env.Name == "mysql" {
		require.NoError(t, env.DB.Gorm.Exec(`ANALYZE TABLE `+tables).Error)
	} else {
		require.NoError(t, env.DB.Gorm.Exec(`ANALYZE`).Error)
	}
}

// A search by draw time reads a range of ids, not all of the activity's orders: from the
// ids of drawn_after's time on, up to those of drawn_before's. On MySQL a range of ids (by
// the primary key, or by activity and id); on SQLite the id bound is a constraint of the
// activity index's search.
func TestADrawTimeSearchReadsARangeOfIDs(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		read   persistence.Statement
		sqlite string
	}{
		"drawn_after": {persistence.DrawTimeRead(time.Now()), "ix_orders_activity_seq (activity_id=? AND id>?)"},
		// Before every order's id (these are 1…1200): the newer ones are not read.
		"drawn_before": {persistence.DrawnBeforeRead(time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)),
			"ix_orders_activity_seq (activity_id=? AND id<?)"},
	}
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		insertOrders(t, env, 3, 400)
		analyze(t, env, "orders")
		for name, c := range cases {
			plan := explain(t, env, c.read)
			if env.Name == "mysql" {
				first := strings.Split(plan, "\n")[0]
				assert.Contains(t, first, "type=range", "%s: %s", name, plan)
				assert.True(t, strings.Contains(first, "key=PRIMARY") || strings.Contains(first, "key=ix_orders_activity_seq key_len=16"),
					"%s: a range of ids, by the primary key or by activity and id: %s", name, plan)
			} else {
				assert.Contains(t, plan, c.sqlite, "%s: %s", name, plan)
			}
		}
	})
}

// explain returns the backend's plan of st as one line per step.
func explain(t *testing.T, env testkit.SQLEnv, st persistence.Statement) string {
	t.Helper()
	prefix := "EXPLAIN "
	if env.Name == "sqlite" {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := env.DB.Gorm.Raw(prefix+st.SQL, st.Args...).Rows()
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		var fields []string
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			fields = append(fields, fmt.Sprintf("%s=%v", cols[i], v))
		}
		lines = append(lines, strings.Join(fields, " "))
	}
	require.NoError(t, rows.Err())
	return strings.Join(lines, "\n")
}

// The order desk's failed grants are read from their own list, newest first, each order by
// its key: never by reading the orders table, which a search by grant_state once did.
func TestFailedGrantsAreReadFromTheirList(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		insertOrders(t, env, 3, 400)
		require.NoError(t, env.DB.Gorm.Exec(`INSERT INTO failed_grants (order_id, activity_id) VALUES (7, 1), (403, 2)`).Error)
		analyze(t, env, "orders, failed_grants")
		for name, st := range persistence.FailedReads() {
			plan := explain(t, env, st)
			first := strings.SplitN(plan, "\n", 2)[0]
			if env.Name == "mysql" {
				assert.Contains(t, first, "table=f ", "%s starts from the list: %s", name, plan)
				assert.Regexp(t, `table=o type=eq_ref`, plan, "%s: %s", name, plan)
				assert.NotContains(t, strings.ToLower(plan), "filesort", "%s: %s", name, plan)
			} else {
				assert.Regexp(t, `detail=(SCAN|SEARCH) f\b`, first, "%s starts from the list: %s", name, plan)
				assert.Regexp(t, `SEARCH o USING .*\(id=\?\)`, plan, "%s: %s", name, plan)
				assert.NotContains(t, plan, "TEMP B-TREE FOR ORDER BY", "%s: %s", name, plan)
			}
		}
	})
}

// Reconciliation counts a sample of users' orders by ix_orders_user, not by reading the
// activity's.
func TestUserCountsUseTheUserIndex(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		insertOrders(t, env, 3, 400)
		analyze(t, env, "orders")
		st := persistence.UserCountsRead()
		plan := explain(t, env, st)
		assert.Contains(t, plan, "ix_orders_user", plan)
	})
}
