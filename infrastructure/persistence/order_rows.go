package persistence

import (
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/lottery-go/lottery/domain/draw"
)

// orderColumns is the column list of every order INSERT, in the order orderArgs fills.
const orderColumns = "id, activity_id, strategy_id, user_id, day, outcome, prize_id, award_id, award_name, " +
	"award_kind, idempotency_key, grant_state, grant_error, mq_state, created_at, updated_at"

const orderPlaceholders = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"

// newOrderInsert writes orders, up to maxRows in one statement.
func newOrderInsert(db *sql.DB, maxRows int) *batchInsert {
	return newBatchInsert(db, "INSERT INTO orders ("+orderColumns+") VALUES ", orderPlaceholders, maxRows)
}

func orderArgs(args []any, o draw.Order) []any {
	return append(args, o.ID, o.ActivityID, o.StrategyID, o.UserID, o.Day, string(o.Outcome),
		nullableID(o.PrizeID), nullableID(o.AwardID), o.AwardName, o.AwardKind,
		nullableString(o.IdempotencyKey), string(o.GrantState), o.GrantError, string(o.MQState),
		o.CreatedAt.UTC(), o.CreatedAt.UTC())
}

func nullableID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullableString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// orderRecord is an order as read back, with its grant when there is one.
type orderRecord struct {
	ID             int64
	ActivityID     int64
	StrategyID     int64
	UserID         string
	Day            string
	Outcome        string
	PrizeID        *int64
	AwardID        *int64
	AwardName      string
	AwardKind      string
	IdempotencyKey *string
	GrantState     string
	GrantError     string
	MQState        string
	CreatedAt      time.Time
	GrantPayload   *string
}

// scan reads a row of selectOrders' columns.
func (r *orderRecord) scan(row interface{ Scan(dest ...any) error }) error {
	return row.Scan(&r.ID, &r.ActivityID, &r.StrategyID, &r.UserID, &r.Day, &r.Outcome, &r.PrizeID,
		&r.AwardID, &r.AwardName, &r.AwardKind, &r.IdempotencyKey, &r.GrantState, &r.GrantError, &r.MQState,
		&r.CreatedAt, &r.GrantPayload)
}

func (r orderRecord) toDomain() draw.Order {
	o := draw.Order{
		ID: r.ID, ActivityID: r.ActivityID, StrategyID: r.StrategyID, UserID: r.UserID, Day: r.Day,
		Outcome: draw.Outcome(r.Outcome), AwardName: r.AwardName, AwardKind: r.AwardKind,
		GrantState: draw.GrantState(r.GrantState), GrantError: r.GrantError, MQState: draw.MQState(r.MQState),
		CreatedAt: r.CreatedAt.UTC(),
	}
	if r.PrizeID != nil {
		o.PrizeID = *r.PrizeID
	}
	if r.AwardID != nil {
		o.AwardID = *r.AwardID
	}
	if r.IdempotencyKey != nil {
		o.IdempotencyKey = *r.IdempotencyKey
	}
	if r.GrantPayload != nil && *r.GrantPayload != "" {
		_ = json.Unmarshal([]byte(*r.GrantPayload), &o.Delivered)
	}
	return o
}

// isRetryableConflict recognises a deadlock (1213), after which the server has rolled the
// transaction back whole, or a lock wait timeout (1205), after which it has rolled back only
// the statement (unless innodb_rollback_on_timeout is on). Either way running the whole
// transaction again is safe once the caller has rolled back what is left of it.
func isRetryableConflict(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// isDuplicateKey recognises a unique-key violation on either backend.
func isDuplicateKey(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1062
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// serverTimedOut recognises a statement its server ended for time: MariaDB's
// ER_STATEMENT_TIMEOUT, MySQL's ER_QUERY_TIMEOUT.
func serverTimedOut(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1969 || me.Number == 3024)
}
