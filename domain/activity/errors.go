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
