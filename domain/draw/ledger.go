package draw

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DayLayout is the format of Admission.Day and every other activity-local day.
const DayLayout = "2006-01-02"

// Ledger admits draws atomically: every check of one admission (idempotency, rate limits,
// blacklist, per-user limits, activity stock, prize pools and daily quotas) and every
// counter it moves happen in one step, so concurrent draws can never oversell.
type Ledger interface {
	// Admit checks and takes one draw chance. Refusals are the sentinel errors of this
	// package, *DuplicateError or *RateLimitError.
	Admit(ctx context.Context, a Admission) (Admitted, error)
	// Undo gives back everything Admit took when the order could not be committed. It acts
	// only while the admission is still journaled and its epoch is current, so calling it
	// twice, or after a reload rebuilt the counters from SQL, changes nothing.
	Undo(ctx context.Context, a Admission, ad Admitted) error
	// Settle drops the journal entries of committed orders.
	Settle(ctx context.Context, done []Settlement) error
	// Quota reports what is left of a user's limits; -1 means unlimited.
	Quota(ctx context.Context, activityID int64, userID, day string, total, daily int64) (leftTotal, leftToday int64, err error)
	// Blacklisted reports whether the activity's loaded blacklist holds the user, as
	// Admit would find it; false when its counters are not loaded.
	Blacklisted(ctx context.Context, activityID int64, userID string) (bool, error)
	// StockLeft reports the draws the activity has left in all, as its counters say;
	// loaded is false when they are not loaded.
	StockLeft(ctx context.Context, activityID int64) (left int64, loaded bool, err error)
	// MarkersMayBeLost reports whether idempotency keys of the activity used a while ago
	// may have lost their markers: the ledger lost its data, with orders already taken,
	// within the markers' lifetime.
	MarkersMayBeLost(ctx context.Context, activityID int64) (bool, error)
	// KeyOrder returns the order a user's idempotency key made in the activity, as its
	// marker names it; 0 when there is no marker (none made, or it expired or was lost).
	KeyOrder(ctx context.Context, activityID int64, userID, key string) (orderID int64, err error)
}

// Candidate is one sampled outcome. PrizeID 0 is "no prize".
type Candidate struct {
	PrizeID    int64
	DailyQuota int64 // 0 = none
}

// Admission is one draw request as the ledger sees it.
type Admission struct {
	OrderID        int64 // also the admission's id; snowflake, unique
	ActivityID     int64
	UserID         string
	Day            string // activity-local day, DayLayout
	IdempotencyKey string // may be empty

	PerUserTotal, PerUserDaily int64 // 0 = unlimited

	// Candidates are tried in order: the first that is "no prize" or still has pool (and
	// daily quota) left is the outcome. Mode "fixed" passes exactly one; "renormalize"
	// passes independent samples, which is rejection sampling over the prizes not empty.
	// When every candidate is empty the draw is lost.
	Candidates []Candidate

	ClientIP string
	Rate     RateLimit // zero = no rate limit
}

// RateLimit bounds draws per user and per client IP; a zero rate disables that limit.
type RateLimit struct {
	PerUser, PerIP float64 // draws per second
	Burst          int     // draws allowed at once; 0 counts as 1
}

// Admitted is the outcome of a successful admission.
type Admitted struct {
	PrizeID     int64  // 0 = lose
	Epoch       string // the counters' load this admission was taken under
	JournalID   string
	LeftTotal   int64 // -1 = unlimited
	LeftToday   int64 // -1 = unlimited
	EmptyPrizes []int64
	// At is no later than the moment the admission took effect (the ledger sets it when it
	// sent the call that succeeded). A reload of lost counters waits long enough for every
	// order to commit within its commit window counted from At, or to be refused.
	At time.Time
}

// Won reports whether the admission drew a prize.
func (ad Admitted) Won() bool { return ad.PrizeID != 0 }

// Settlement names the journal entry of one committed order.
type Settlement struct {
	ActivityID int64
	JournalID  string
}

// JournalEntry is one admission whose order was neither settled nor undone yet; a crash
// between admission and commit leaves one behind for the recovery job.
type JournalEntry struct {
	ActivityID     int64
	OrderID        int64
	JournalID      string
	UserID         string
	Day            string
	PrizeID        int64
	Epoch          string
	IdempotencyKey string // empty when the request had none
	At             time.Time
}

var errInvalidAdmission = errors.New("draw: invalid admission")

// Validate refuses admissions no ledger could apply consistently.
func (a Admission) Validate() error {
	switch {
	case a.OrderID <= 0:
		return fmt.Errorf("%w: order id %d", errInvalidAdmission, a.OrderID)
	case a.ActivityID <= 0:
		return fmt.Errorf("%w: activity id %d", errInvalidAdmission, a.ActivityID)
	case a.UserID == "":
		return fmt.Errorf("%w: empty user id", errInvalidAdmission)
	case len(a.Candidates) == 0:
		return fmt.Errorf("%w: no candidates", errInvalidAdmission)
	case a.PerUserTotal < 0 || a.PerUserDaily < 0:
		return fmt.Errorf("%w: negative user limit", errInvalidAdmission)
	case a.Rate.PerUser < 0 || a.Rate.PerIP < 0 || a.Rate.Burst < 0:
		return fmt.Errorf("%w: negative rate limit", errInvalidAdmission)
	}
	if _, err := time.Parse(DayLayout, a.Day); err != nil {
		return fmt.Errorf("%w: day %q", errInvalidAdmission, a.Day)
	}
	for _, c := range a.Candidates {
		if c.PrizeID < 0 || c.DailyQuota < 0 {
			return fmt.Errorf("%w: candidate %+v", errInvalidAdmission, c)
		}
	}
	return nil
}

// LeftToday is what a user has left today, given the chances left today and in all
// (-1 = unlimited): under a daily limit never more than is left in all, so a user with one
// chance left in all and three today is told one. Without a daily limit it stays -1, as
// clients read it, while chances are left in all: once none is, it is 0, not "unlimited".
func LeftToday(total, today int64) int64 {
	if total >= 0 && (today > total || today < 0 && total == 0) {
		return total
	}
	return today
}
