package draw

import (
	"context"
	"errors"
	"time"
)

// Grant outcomes of the grant store.
var (
	// ErrAlreadyGranted: the order's grant is decided already (granted, or failed by
	// another delivery); a redelivered event changes nothing (invariant 3).
	ErrAlreadyGranted = errors.New("draw: order already granted")
	// ErrAddressNotExpected: the order is not a physical win waiting for its address.
	ErrAddressNotExpected = errors.New("draw: order is not waiting for a shipping address")
)

// GrantRecord is what one grant delivered, stored once per order.
type GrantRecord struct {
	OrderID int64
	AwardID int64
	UserID  string
	Kind    string
	State   GrantState // GrantGranted or GrantAwaitingAddress
	Payload map[string]string
	At      time.Time
	// Credit, when not 0, is credited to UserID's points ledger with the grant, once per
	// order (RecordAll; Record leaves points to the points granter).
	Credit       int64
	CreditReason string
}

// Grants stores the outcome of granting won orders. Each method changes the grant and the
// order's grant_state in one transaction, so the two never disagree.
type Grants interface {
	// Record stores the grant of an order whose award was delivered (a coupon issued, a
	// code claimed): a pending order, or one a copy of its event failed meanwhile, since
	// the delivery happened all the same; ErrAlreadyGranted when it has a grant.
	Record(ctx context.Context, r GrantRecord) error
	// RecordAll stores many grants, with their credits, in one transaction: all of them,
	// or none and ErrAlreadyGranted when an order has its grant or is no longer pending.
	RecordAll(ctx context.Context, rs []GrantRecord) error
	// Fail marks a pending order's grant failed with a reason shown to the user;
	// ErrAlreadyGranted when the order is no longer pending.
	Fail(ctx context.Context, orderID int64, reason string, at time.Time) error
	// Ship stores the address of a physical win awaiting it and marks it granted with
	// payload; ErrAddressNotExpected when the order is not awaiting an address.
	Ship(ctx context.Context, orderID int64, address string, payload map[string]string, at time.Time) error
}

// GivesUpAt is when a grant whose wait began at since gives up: a delivery that fails from
// then on fails it for good. Zero when grants never give up (after ≤ 0) or since is unknown.
func GivesUpAt(since time.Time, after time.Duration) time.Time {
	if after <= 0 || since.IsZero() {
		return time.Time{}
	}
	return since.Add(after)
}
