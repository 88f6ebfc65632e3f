package activity

import "time"

// MaxReasonRunes bounds the reason given for a transition.
const MaxReasonRunes = 500

// TrailEntry is one step of an activity's review trail: who moved it from which state to
// which, and why. Every successful transition leaves one, stored in the same transaction
// as the state change, so the trail can never disagree with the state.
type TrailEntry struct {
	Action Action
	From   State
	To     State
	Actor  string
	Reason string
	At     time.Time
}
