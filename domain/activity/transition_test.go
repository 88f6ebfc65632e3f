package activity_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
)

var (
	admin    = activity.Actor{ID: "root", Admin: true}
	marketer = activity.Actor{ID: "mia", Marketer: true}
	creator  = activity.Actor{ID: "alice", Admin: true, Marketer: true} // created the activity
	plain    = activity.Actor{ID: "user1"}
)

// TestTransitionEveryPair: all states × all actions by an admin who did not create the
// activity, so only the state machine decides.
func TestTransitionEveryPair(t *testing.T) {
	t.Parallel()
	now := created.Add(time.Hour)
	for _, from := range activity.States {
		for _, act := range activity.Actions {
			t.Run(string(from)+"/"+string(act), func(t *testing.T) {
				t.Parallel()
				a := inState(t, from)
				err := a.Transition(act, admin, now)
				if want, ok := legal[from][act]; ok {
					require.NoError(t, err)
					assert.Equal(t, want, a.State())
					assert.Equal(t, now, a.UpdatedAt())
					assert.Equal(t, int64(3), a.Version(), "the repository owns the version")
					return
				}
				require.ErrorIs(t, err, activity.ErrIllegalTransition)
				assert.Equal(t, from, a.State())
				assert.Equal(t, created, a.UpdatedAt())
			})
		}
	}
}

func TestTransitionRoles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		from    activity.State
		act     activity.Action
		by      activity.Actor
		wantErr error
	}{
		{"marketer submits", activity.StateDraft, activity.ActionSubmit, marketer, nil},
		{"creator submits", activity.StateDraft, activity.ActionSubmit, creator, nil},
		{"marketer revokes", activity.StatePendingReview, activity.ActionRevoke, marketer, nil},
		{"marketer starts", activity.StateApproved, activity.ActionStart, marketer, nil},
		{"marketer pauses", activity.StateRunning, activity.ActionPause, marketer, nil},
		{"marketer resumes", activity.StatePaused, activity.ActionResume, marketer, nil},
		{"marketer closes", activity.StateRunning, activity.ActionClose, marketer, nil},
		{"admin approves", activity.StatePendingReview, activity.ActionApprove, admin, nil},
		{"admin rejects", activity.StatePendingReview, activity.ActionReject, admin, nil},
		{"marketer cannot approve", activity.StatePendingReview, activity.ActionApprove, marketer, activity.ErrForbidden},
		{"marketer cannot reject", activity.StatePendingReview, activity.ActionReject, marketer, activity.ErrForbidden},
		{"creator cannot approve own", activity.StatePendingReview, activity.ActionApprove, creator, activity.ErrOwnReview},
		{"creator cannot reject own", activity.StatePendingReview, activity.ActionReject, creator, activity.ErrOwnReview},
		{"plain user cannot submit", activity.StateDraft, activity.ActionSubmit, plain, activity.ErrForbidden},
		{"plain user cannot close", activity.StateRunning, activity.ActionClose, plain, activity.ErrForbidden},
		{"anonymous admin flag is not enough", activity.StatePendingReview, activity.ActionApprove, activity.Actor{Admin: true}, activity.ErrForbidden},
		{"role check before state", activity.StateClosed, activity.ActionApprove, marketer, activity.ErrForbidden},
		{"state check before own-activity check", activity.StateDraft, activity.ActionApprove, creator, activity.ErrIllegalTransition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := inState(t, tt.from)
			err := a.Transition(tt.act, tt.by, created.Add(time.Hour))
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, legal[tt.from][tt.act], a.State())
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, errors.Is(tt.wantErr, activity.ErrOwnReview), errors.Is(err, activity.ErrOwnReview),
				"only a review of one's own activity is ErrOwnReview (and still ErrForbidden)")
			assert.Equal(t, tt.from, a.State())
		})
	}
}

func TestFullLifeCycle(t *testing.T) {
	t.Parallel()
	a, err := activity.New(1, validParams(t), "mia", created)
	require.NoError(t, err)
	steps := []struct {
		act activity.Action
		by  activity.Actor
	}{
		{activity.ActionSubmit, marketer}, {activity.ActionReject, admin}, {activity.ActionRevoke, marketer},
		{activity.ActionSubmit, marketer}, {activity.ActionApprove, admin}, {activity.ActionStart, marketer},
		{activity.ActionPause, marketer}, {activity.ActionResume, admin}, {activity.ActionClose, admin},
	}
	for _, s := range steps {
		require.NoError(t, a.Transition(s.act, s.by, created), s.act)
	}
	assert.Equal(t, activity.StateClosed, a.State())
}

func TestAcceptsDraws(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		state activity.State
		at    time.Time
		ok    bool
	}{
		{"running inside", activity.StateRunning, begin.Add(time.Hour), true},
		{"running at begin", activity.StateRunning, begin, true},
		{"running just before end", activity.StateRunning, end.Add(-time.Nanosecond), true},
		{"running at end", activity.StateRunning, end, false},
		{"running before begin", activity.StateRunning, begin.Add(-time.Nanosecond), false},
		{"paused inside", activity.StatePaused, begin.Add(time.Hour), false},
		{"approved inside", activity.StateApproved, begin.Add(time.Hour), false},
		{"closed inside", activity.StateClosed, begin.Add(time.Hour), false},
		{"draft inside", activity.StateDraft, begin.Add(time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := inState(t, tt.state).AcceptsDraws(tt.at)
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, activity.ErrNotRunning)
			}
		})
	}
}

func TestDay(t *testing.T) {
	t.Parallel()
	a := inState(t, activity.StateRunning) // Asia/Shanghai, UTC+8
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 10, 15, 59, 59, 0, time.UTC), "2026-11-10"},
		{time.Date(2026, 11, 10, 16, 0, 0, 0, time.UTC), "2026-11-11"},
		{time.Date(2026, 11, 11, 23, 0, 0, 0, time.UTC), "2026-11-12"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, a.Day(tt.at), tt.at)
	}
}

// An activity whose window has ended goes nowhere towards drawing: submitting, approving,
// starting or resuming it would only have it closed again. Closing it still works.
func TestNoWayTowardsDrawsOnceTheWindowEnded(t *testing.T) {
	t.Parallel()
	after := end.Add(time.Minute)
	marketer, admin := activity.Actor{ID: "alice", Marketer: true}, activity.Actor{ID: "bob", Admin: true}
	for _, tc := range []struct {
		from activity.State
		act  activity.Action
		by   activity.Actor
	}{
		{activity.StateDraft, activity.ActionSubmit, marketer},
		{activity.StatePendingReview, activity.ActionApprove, admin},
		{activity.StateApproved, activity.ActionStart, admin},
		{activity.StatePaused, activity.ActionResume, admin},
	} {
		a := inState(t, tc.from)
		err := a.Transition(tc.act, tc.by, after)
		require.ErrorIs(t, err, activity.ErrIllegalTransition, "%s", tc.act)
		assert.Contains(t, err.Error(), "whose window ended at", "%s", tc.act)
		assert.Equal(t, tc.from, a.State())
		require.NoError(t, inState(t, tc.from).Transition(tc.act, tc.by, end.Add(-time.Minute)), "%s in the window", tc.act)
	}
	require.NoError(t, inState(t, activity.StatePaused).Transition(activity.ActionClose, admin, after))
}

// An admin who edited someone else's draft may not review it: what goes live must have
// been seen by a second person. The creator's own later edit gives it back its second pair
// of eyes.
func TestTheLastEditorMayNotReview(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	a, err := activity.New(1, validParams(t), "mk1", now)
	require.NoError(t, err)
	adm1 := activity.Actor{ID: "adm1", Admin: true}
	adm2 := activity.Actor{ID: "adm2", Admin: true}
	require.NoError(t, a.Update(validParams(t), "adm1", now))
	assert.Equal(t, "adm1", a.EditedBy())
	require.NoError(t, a.Transition(activity.ActionSubmit, adm1, now))
	require.ErrorIs(t, a.Transition(activity.ActionApprove, adm1, now), activity.ErrOwnEdit)
	require.ErrorIs(t, a.Transition(activity.ActionReject, adm1, now), activity.ErrOwnEdit, "an ErrOwnReview told apart")
	require.NotErrorIs(t, a.Transition(activity.ActionApprove, activity.Actor{ID: "mk1", Admin: true}, now), activity.ErrOwnEdit,
		"the creator's refusal is for creating it")
	require.NoError(t, a.Transition(activity.ActionReject, adm2, now))

	mk1 := activity.Actor{ID: "mk1", Marketer: true}
	require.NoError(t, a.Update(validParams(t), "mk1", now))
	assert.Empty(t, a.EditedBy(), "the creator's edit")
	require.NoError(t, a.Transition(activity.ActionRevoke, mk1, now))
	require.NoError(t, a.Transition(activity.ActionSubmit, mk1, now))
	require.NoError(t, a.Transition(activity.ActionApprove, adm1, now))
}
