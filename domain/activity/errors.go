package activity

import (
	"errors"
	"fmt"
)

var (
	ErrIllegalTransition = errors.New("illegal transition")
	ErrNotFound          = errors.New("activity not found")
	ErrNotEditable       = errors.New("activity can only be edited in draft or rejected state")
	// ErrForbidden: the actor lacks the role, or would approve or reject their own
	// activity (separation of duties).
	ErrForbidden = errors.New("forbidden")
	// ErrOwnReview: an admin would approve or reject an activity they created. It is an
	// ErrForbidden too.
	ErrOwnReview = fmt.Errorf("%w: separation of duties", ErrForbidden)
	// ErrOwnEdit: an admin would approve or reject an activity whose last edit is theirs.
	// It is an ErrOwnReview too.
	ErrOwnEdit = fmt.Errorf("%w (the last edit)", ErrOwnReview)
	// ErrNotRunning: the activity does not accept draws now (state or window).
	ErrNotRunning = errors.New("activity is not running")
	// ErrConcurrentChange: the activity changed between load and store; reload and retry.
	ErrConcurrentChange = errors.New("activity was changed concurrently")
)

// StaleVersionError refuses a change asked of a version of the activity that is no longer
// the current one: someone changed it since the caller read it (an admin approving what a
// marketer edited meanwhile would approve what they never saw).
type StaleVersionError struct {
	Seen, Current int64
}

func (e *StaleVersionError) Error() string {
	return fmt.Sprintf("the activity changed since it was read: it is at version %d, not %d", e.Current, e.Seen)
}

// CheckVersion refuses, with a *StaleVersionError, a change asked of version seen when the
// activity is at another; seen 0 asks none.
func (a *Activity) CheckVersion(seen int64) error {
	if seen != 0 && seen != a.version {
		return &StaleVersionError{Seen: seen, Current: a.version}
	}
	return nil
}

// StateError is a refusal for the activity's state: an illegal transition (it unwraps to
// ErrIllegalTransition) or an edit outside draft and rejected (ErrNotEditable). It names
// the state and what the state allows, for a client to act on without parsing the message.
type StateError struct {
	Kind   error  // ErrIllegalTransition or ErrNotEditable
	State  State  // the activity's state when refused
	Action Action // the action refused; empty for an edit
	Why    string // the message's detail, after the kind
}

func (e *StateError) Error() string {
	if e.Why == "" {
		return e.Kind.Error()
	}
	return e.Kind.Error() + ": " + e.Why
}

func (e *StateError) Unwrap() error { return e.Kind }

// Allowed lists the actions state s allows, in the order of Actions.
func Allowed(s State) []Action {
	out := []Action{}
	for _, a := range Actions {
		if _, ok := transitions[s][a]; ok {
			out = append(out, a)
		}
	}
	return out
}
