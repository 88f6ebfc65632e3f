package activity_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
)

// legal is the state machine of DESIGN.md §3 written out independently of the code.
var legal = map[activity.State]map[activity.Action]activity.State{
	activity.StateDraft:         {activity.ActionSubmit: activity.StatePendingReview},
	activity.StatePendingReview: {activity.ActionApprove: activity.StateApproved, activity.ActionReject: activity.StateRejected, activity.ActionRevoke: activity.StateDraft},
	activity.StateRejected:      {activity.ActionRevoke: activity.StateDraft},
	activity.StateApproved:      {activity.ActionStart: activity.StateRunning, activity.ActionClose: activity.StateClosed},
	activity.StateRunning:       {activity.ActionPause: activity.StatePaused, activity.ActionClose: activity.StateClosed},
	activity.StatePaused:        {activity.ActionResume: activity.StateRunning, activity.ActionClose: activity.StateClosed},
}

// TestNextEveryPair covers all states × all actions.
func TestNextEveryPair(t *testing.T) {
	t.Parallel()
	require.Len(t, activity.States, 7)
	require.Len(t, activity.Actions, 8)
	for _, from := range activity.States {
		for _, act := range activity.Actions {
			t.Run(string(from)+"/"+string(act), func(t *testing.T) {
				t.Parallel()
				got, err := activity.Next(from, act)
				if want, ok := legal[from][act]; ok {
					require.NoError(t, err)
					assert.Equal(t, want, got)
					return
				}
				require.ErrorIs(t, err, activity.ErrIllegalTransition)
				assert.Contains(t, err.Error(), string(from))
				assert.Contains(t, err.Error(), string(act))
				assert.Empty(t, got)
			})
		}
	}
}

func TestNextUnknownValues(t *testing.T) {
	t.Parallel()
	_, err := activity.Next("archived", activity.ActionStart)
	require.ErrorIs(t, err, activity.ErrIllegalTransition)
	_, err = activity.Next(activity.StateDraft, "publish")
	require.ErrorIs(t, err, activity.ErrIllegalTransition)
}

func TestValid(t *testing.T) {
	t.Parallel()
	for _, s := range activity.States {
		assert.True(t, s.Valid(), s)
	}
	for _, a := range activity.Actions {
		assert.True(t, a.Valid(), a)
	}
	assert.False(t, activity.State("archived").Valid())
	assert.False(t, activity.Action("publish").Valid())
}

func TestOnlyApprovedAndLaterArePublic(t *testing.T) {
	t.Parallel()
	public := map[activity.State]bool{activity.StateApproved: true, activity.StateRunning: true,
		activity.StatePaused: true, activity.StateClosed: true}
	for _, s := range activity.States {
		assert.Equal(t, public[s], s.Public(), s)
	}
}
