package draw

import (
	"errors"
	"time"
)

// OrderSearch selects orders for the people who run activities, newest first. Every field
// but Limit is optional; zero values select everything.
type OrderSearch struct {
	ActivityID int64
	UserID     string
	Outcome    Outcome
	GrantState GrantState
	AwardKind  string
	// DrawnAfter and DrawnBefore bound the draw time (after ≤ created_at < before); zero
	// sets no bound.
	DrawnAfter, DrawnBefore time.Time
	BeforeID                int64 // 0 = from the newest
	Limit                   int
	// TimeLimit is how long the store may read for this search before it gives up with
	// ErrSearchTooSlow; 0 is its default for a search someone waits on.
	TimeLimit time.Duration
}

// ErrSearchTooSlow: a search of orders read for its whole time limit without finishing,
// most often a filter checked order by order (a draw time, a rare grant state) over a
// large activity. Naming the user, or a smaller activity, makes it fast.
var ErrSearchTooSlow = errors.New("draw: the order search took too long")

// ErrGrantNotFailed: only a grant that failed for good can be sent again; any other is
// still on its way or already decided.
var ErrGrantNotFailed = errors.New("draw: the order's grant has not failed")

// Outcomes and GrantStates list the values an OrderSearch may name.
var (
	Outcomes    = []Outcome{OutcomeWin, OutcomeLose}
	GrantStates = []GrantState{GrantNone, GrantPending, GrantGranted, GrantAwaitingAddress, GrantFailed}
)

// GrantRetry records a failed grant sent again: by whom, when, and the failure it had.
type GrantRetry struct {
	By            string
	At            time.Time
	PreviousError string
}

// GrantDelivery is how the delivery of a pending grant is going, as its outbox entry tells.
type GrantDelivery struct {
	// Attempts are the deliveries made so far, each met with a passing error (a merchant
	// answering 503, a timeout).
	Attempts int
	// LastError is why the last of them failed (or, without one, why the last publish of
	// its event did), also while the grant is on its way again; "" when none has failed.
	LastError string
	// NextAttemptAt is when the grant is tried again after a failure; zero while it is
	// queued or being delivered.
	NextAttemptAt time.Time
	// Since is when the grant's wait began: its win, or the last time it was sent again.
	Since time.Time
	// GivesUpAt is when the grant gives up: a delivery that fails from then on fails it for
	// good. Zero when grants never give up (or the start of its wait is unknown).
	GivesUpAt time.Time
}
