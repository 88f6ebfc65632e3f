package activity

import "fmt"

// State is where an activity is in its life cycle.
type State string

const (
	StateDraft         State = "draft"
	StatePendingReview State = "pending_review"
	StateApproved      State = "approved"
	StateRejected      State = "rejected"
	StateRunning       State = "running"
	StatePaused        State = "paused"
	StateClosed        State = "closed"
)

// States lists every state.
var States = []State{StateDraft, StatePendingReview, StateApproved, StateRejected, StateRunning, StatePaused, StateClosed}

// Public reports whether users may know of an activity in state s: from its approval on.
// Drafts and activities in review are the marketers' own, and to users they do not exist.
func (s State) Public() bool {
	return s == StateApproved || s == StateRunning || s == StatePaused || s == StateClosed
}

// Action moves an activity from one state to another.
type Action string

const (
	ActionSubmit  Action = "submit"
	ActionApprove Action = "approve"
	ActionReject  Action = "reject"
	ActionRevoke  Action = "revoke"
	ActionStart   Action = "start"
	ActionPause   Action = "pause"
	ActionResume  Action = "resume"
	ActionClose   Action = "close"
)

// Actions lists every action.
var Actions = []Action{ActionSubmit, ActionApprove, ActionReject, ActionRevoke, ActionStart, ActionPause, ActionResume, ActionClose}

// Valid reports whether s is one of States.
func (s State) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Valid reports whether a is one of Actions.
func (a Action) Valid() bool {
	for _, x := range Actions {
		if x == a {
			return true
		}
	}
	return false
}

// transitions is the whole state machine; anything not listed is illegal.
//
// "revoke" takes an activity back to draft for editing, both while it waits for review
// and after it was rejected: a rejected activity is edited in place (Update allows it)
// and then revoked to draft and submitted again, so the review history of one activity
// stays one activity. A closed activity is final.
//
// An approved activity may be closed without ever running: DESIGN §6 has the state timer
// close it when its window ends unstarted, and a campaign called off after approval must
// not have to go live, even briefly, only to be closed.
var transitions = map[State]map[Action]State{
	StateDraft:         {ActionSubmit: StatePendingReview},
	StatePendingReview: {ActionApprove: StateApproved, ActionReject: StateRejected, ActionRevoke: StateDraft},
	StateRejected:      {ActionRevoke: StateDraft},
	StateApproved:      {ActionStart: StateRunning, ActionClose: StateClosed},
	StateRunning:       {ActionPause: StatePaused, ActionClose: StateClosed},
	StatePaused:        {ActionResume: StateRunning, ActionClose: StateClosed},
	StateClosed:        {},
}

// Next is the state that action a leads to from state from, or an error wrapping
// ErrIllegalTransition. Illegal transitions are errors, never no-ops: a second "start"
// on a running activity tells the caller its view was stale.
func Next(from State, a Action) (State, error) {
	if to, ok := transitions[from][a]; ok {
		return to, nil
	}
	return "", &StateError{Kind: ErrIllegalTransition, State: from, Action: a,
		Why: fmt.Sprintf("cannot %s an activity in state %s", a, from)}
}
