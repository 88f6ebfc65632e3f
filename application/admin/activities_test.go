package admin_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/check"
)

// TestRefusedActivityWritesNothing: an activity whose window could not be stored and read
// back (end_at in the year 10000 once in UTC) is refused as input on create and on update,
// and leaves the stored activities readable.
func TestRefusedActivityWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t, &recorder{}, live{})
	id := draft(t, s)
	stored, _, err := s.GetActivity(ctx, id)
	require.NoError(t, err)
	tooLate := time.Date(9999, 12, 31, 23, 59, 59, 0, time.FixedZone("-05:00", -5*3600))

	in := admin.ActivityInput{
		Name: "Forever", BeginAt: stored.BeginAt(), EndAt: tooLate, TimeZone: "UTC", Stock: 10,
		Mode: stored.Strategy().Mode(), Prizes: stored.Strategy().Prizes(),
	}
	_, err = s.CreateActivity(ctx, activity.Actor{ID: "alice", Marketer: true}, in)
	require.ErrorIs(t, err, check.ErrInvalid)
	assert.Equal(t, "end_at", check.Problems(err)[0].Field)
	items, _, err := s.ListActivities(ctx, "", admin.Page{Limit: 10})
	require.NoError(t, err)
	require.Len(t, items, 1, "nothing was written")

	err = s.UpdateActivity(ctx, marketer, id, in)
	require.ErrorIs(t, err, check.ErrInvalid)
	assert.Equal(t, "end_at", check.Problems(err)[0].Field)
	got, _, err := s.GetActivity(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, stored.Name(), got.Name(), "the update was not applied")
	assert.True(t, stored.EndAt().Equal(got.EndAt()))
	assert.Equal(t, stored.Version(), got.Version())
}
