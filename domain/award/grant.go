package award

import (
	"context"
	"errors"
	"time"
)

// Grant asks a Granter to deliver one win. OrderID is the idempotency key: a Granter that
// is asked twice for the same order must deliver once and answer the same both times,
// because the message queue delivers at least once.
type Grant struct {
	OrderID int64
	UserID  string
	AwardID int64
	Kind    Kind
	Content Content
}

// Delivery states a Granter reports.
const (
	// StateGranted: the winner has the award.
	StateGranted = "granted"
	// StateAwaitingAddress: a physical award waits for the winner's shipping address.
	StateAwaitingAddress = "awaiting_address"
)

// Delivered is what a grant produced. Payload is what the winner is shown, e.g.
// {"code": "X7K2-…"} for a redeem code or {"points": "100"}.
type Delivered struct {
	State   string
	Payload map[string]string
}

// Granter delivers awards of one kind. Errors wrapping ErrPermanent are not retried.
type Granter interface {
	Kind() Kind
	Grant(ctx context.Context, g Grant) (Delivered, error)
}

var (
	ErrNotFound = errors.New("award not found")
	// ErrPoolEmpty: every redeem code of the award has been handed out.
	ErrPoolEmpty = errors.New("redeem code pool is empty")
	// ErrPermanent marks a grant failure that retrying cannot fix (e.g. the webhook
	// answered 4xx); anything else is retried with backoff.
	ErrPermanent = errors.New("permanent grant failure")
)

// NotTried is a grant that did not reach the award's provider, for a reason outside the
// grant (its merchant is paused after failing): it is tried again from At, and since
// nothing was attempted it uses up none of the grant's attempts. Err says why.
type NotTried struct {
	At  time.Time
	Err error
}

func (e *NotTried) Error() string { return e.Err.Error() }
func (e *NotTried) Unwrap() error { return e.Err }
