package draw

import (
	"context"
	"errors"
	"time"
)

// Outcome of one draw.
type Outcome string

const (
	OutcomeWin  Outcome = "win"
	OutcomeLose Outcome = "lose"
)

// GrantState follows a won order from its commit to the user's hands.
type GrantState string

const (
	GrantNone            GrantState = "none" // a lost draw has nothing to grant
	GrantPending         GrantState = "pending"
	GrantGranted         GrantState = "granted"
	GrantAwaitingAddress GrantState = "awaiting_address"
	GrantFailed          GrantState = "failed"
)

// MQState follows the order's grant event through the outbox.
type MQState string

const (
	MQNone    MQState = "none"    // a loss: no event
	MQPending MQState = "pending" // committed, on its way (or published again)
	MQSent    MQState = "sent"    // a granter received it and recorded the outcome
	MQFailed  MQState = "failed"  // the last publish failed; compensation retries it
)

// ErrOrderNotFound: no such order (or not the caller's).
var ErrOrderNotFound = errors.New("draw: order not found")

// ErrDuplicateKey: an order with the same user and idempotency key is already committed.
var ErrDuplicateKey = errors.New("draw: idempotency key already used")

// Order is the durable result of one draw, won or lost. Its id is also the admission's id.
type Order struct {
	ID             int64
	ActivityID     int64
	StrategyID     int64
	UserID         string
	Day            string
	Outcome        Outcome
	PrizeID        int64 // 0 when lost
	AwardID        int64 // 0 when lost
	AwardName      string
	AwardKind      string
	IdempotencyKey string
	GrantState     GrantState
	GrantError     string
	MQState        MQState
	CreatedAt      time.Time
	// Delivered is what the user received once granted (a code, points, a text).
	Delivered map[string]string
}

// Won reports whether the order carries a prize.
func (o Order) Won() bool { return o.Outcome == OutcomeWin }

// OrderQuery selects a user's orders, newest first.
type OrderQuery struct {
	UserID     string
	ActivityID int64 // 0 = every activity
	BeforeID   int64 // 0 = from the newest
	Limit      int
}

// Orders reads committed orders.
type Orders interface {
	Get(ctx context.Context, id int64) (Order, error)
	// GetMany returns those of the orders ids that exist, in no particular order.
	GetMany(ctx context.Context, ids []int64) ([]Order, error)
	ByIdempotencyKey(ctx context.Context, userID, key string) (Order, error)
	List(ctx context.Context, q OrderQuery) ([]Order, error)
}

// OrderWriter makes orders durable. Write returns only once the order is committed, or
// with the reason it is not: ErrDuplicateKey, or an error after which nothing was written.
// An order whose commit would begin after by is refused unwritten (ErrNotWritten); a zero
// by sets no such limit. by is a plain time rather than ctx's deadline, which would cost
// every draw a runtime timer.
type OrderWriter interface {
	Write(ctx context.Context, o Order, by time.Time) error
}

// ErrNotWritten marks a write failure after which the order is certainly not in SQL (the
// transaction was rolled back or never began), so its admission may be given back at once.
// Any other write error leaves the outcome unknown.
var ErrNotWritten = errors.New("draw: order not written")
