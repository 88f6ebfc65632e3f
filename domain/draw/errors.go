package draw

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Refusals of an admission. They are final for this request: retrying the same draw gives
// the same answer until the activity, the day or the user's standing changes.
var (
	ErrSoldOut        = errors.New("draw: activity sold out")
	ErrQuotaExhausted = errors.New("draw: user quota exhausted")
	ErrBlacklisted    = errors.New("draw: user blacklisted")
	ErrRateLimited    = errors.New("draw: rate limited")
)

// ErrSoldOutDrawnBefore is ErrSoldOut (errors.Is says so, and it reads the same) told to a
// user who has drawn in the activity before: only such a user's repeated key can have an
// order to answer with instead, should the ledger have lost the key's marker.
var ErrSoldOutDrawnBefore error = soldOutDrawnBefore{}

type soldOutDrawnBefore struct{}

func (soldOutDrawnBefore) Error() string        { return ErrSoldOut.Error() }
func (soldOutDrawnBefore) Is(target error) bool { return target == ErrSoldOut }

// ErrDailyQuotaExhausted is ErrQuotaExhausted (errors.Is says so) when what the user used
// up is the daily limit, not the total: the next local day gives chances again.
var ErrDailyQuotaExhausted error = dailyQuotaExhausted{}

type dailyQuotaExhausted struct{}

func (dailyQuotaExhausted) Error() string        { return "draw: user daily quota exhausted" }
func (dailyQuotaExhausted) Is(target error) bool { return target == ErrQuotaExhausted }

// Failures of the ledger itself. ErrNotLoaded never leaves a working ledger (it reloads the
// activity first); ErrUnavailable tells the caller the draw may be retried as it is.
var (
	ErrNotLoaded   = errors.New("draw: activity counters not loaded")
	ErrUnavailable = errors.New("draw: ledger unavailable")
)

// DuplicateError reports that the request's idempotency key was already admitted, as
// OrderID. The caller answers with that order instead of drawing again (invariant 5).
type DuplicateError struct {
	OrderID int64
}

func (e *DuplicateError) Error() string {
	return "draw: idempotency key already admitted as order " + strconv.FormatInt(e.OrderID, 10)
}

// RateLimitError is ErrRateLimited with the wait after which the same caller may try again.
type RateLimitError struct {
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%v, retry after %v", ErrRateLimited, e.RetryAfter)
}

// Is makes errors.Is(err, ErrRateLimited) hold for every RateLimitError.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }
