package activity

import (
	"fmt"
	"time"
)

// Actor is who asks for a transition, as established by authentication.
type Actor struct {
	ID       string
	Admin    bool
	Marketer bool
}

// Transition applies action act on behalf of by. Marketers and admins may submit, revoke,
// start, pause, resume and close; only an admin may approve or reject, and never an
// activity they created or last edited, so that every campaign that goes live has been
// seen by a second person. Role checks come first, so a caller without the role learns nothing
// about the activity's state.
func (a *Activity) Transition(act Action, by Actor, now time.Time) error {
	review := act == ActionApprove || act == ActionReject
	switch {
	case by.ID == "":
		return fmt.Errorf("%w: anonymous actor", ErrForbidden)
	case review && !by.Admin:
		return fmt.Errorf("%w: only admins may %s", ErrForbidden, act)
	case !by.Admin && !by.Marketer:
		return fmt.Errorf("%w: %s needs the marketer or admin role", ErrForbidden, act)
	}
	to, err := Next(a.state, act)
	if err != nil {
		return err
	}
	if review && by.ID == a.createdBy {
		return fmt.Errorf("%w: nobody may %s an activity they created", ErrOwnReview, act)
	}
	if review && by.ID == a.editedBy {
		return fmt.Errorf("%w: nobody may %s an activity they last edited", ErrOwnEdit, act)
	}
	if towardsDraws(to) && !now.Before(a.params.EndAt) {
		return &StateError{Kind: ErrIllegalTransition, State: a.state, Action: act,
			Why: fmt.Sprintf("cannot %s an activity whose window ended at %s; edit end_at while it is a draft (revoke a submitted one first), or close it once approved",
				act, a.params.EndAt.In(a.location).Format(time.RFC3339))}
	}
	a.state, a.updatedAt = to, now
	return nil
}

// towardsDraws tells the states on the way to drawing, which an activity whose window has
// ended can no longer take: it would only be closed again.
func towardsDraws(s State) bool {
	return s == StatePendingReview || s == StateApproved || s == StateRunning
}

// AcceptsDraws returns nil when a draw at now is allowed: the activity is running and now
// lies in [begin_at, end_at). Otherwise an error wrapping ErrNotRunning says why.
func (a *Activity) AcceptsDraws(now time.Time) error {
	switch {
	case a.state != StateRunning:
		return fmt.Errorf("%w: state is %s", ErrNotRunning, a.state)
	case now.Before(a.params.BeginAt):
		return fmt.Errorf("%w: starts at %s", ErrNotRunning, a.params.BeginAt.Format(time.RFC3339))
	case !now.Before(a.params.EndAt):
		return fmt.Errorf("%w: ended at %s", ErrNotRunning, a.params.EndAt.Format(time.RFC3339))
	}
	return nil
}

// Day is the local calendar day of t in the activity's time zone, the key of daily
// limits and daily prize quotas.
func (a *Activity) Day(t time.Time) string {
	return t.In(a.location).Format(time.DateOnly)
}
