package drawing

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
)

// failingActivities answers every Get with err.
type failingActivities struct {
	activity.Repository
	err error
}

func (f failingActivities) Get(context.Context, int64) (*activity.Activity, error) { return nil, f.err }

// failingRouter answers every Route with err.
type failingRouter struct{ err error }

func (f failingRouter) Route(context.Context, Request) (int64, error) { return 0, f.err }

// An activity that cannot be read is worth retrying (503); an answer about the activity
// stands, and the router's errors go through as it made them.
func TestResolveTellsUnreadableFromUnknown(t *testing.T) {
	t.Parallel()
	down := errors.New("dial tcp 127.0.0.1:3306: connection refused")
	for _, tc := range []struct {
		name        string
		activities  error
		route       error
		want        error
		unavailable bool
	}{
		{"activity unreadable", down, nil, down, true},
		{"activity unknown", activity.ErrNotFound, nil, activity.ErrNotFound, false},
		{"tree or profile unreadable, as the router says", nil, fmt.Errorf("%w: %w", draw.ErrUnavailable, down), down, true},
		{"a tree that cannot route, as the router says", nil, down, down, false},
		{"routed nowhere", nil, ErrNoMatchingActivity, ErrNoMatchingActivity, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &resolver{catalog: NewCatalog(failingActivities{err: tc.activities}, nil)}
			req := Request{UserID: "u", ActivityID: 7}
			if tc.route != nil {
				r.router, req.ActivityID = failingRouter{err: tc.route}, 0
			}
			err := r.Resolve(context.Background(), &Draw{Req: req})
			assert.ErrorIs(t, err, tc.want)
			assert.Equal(t, tc.unavailable, errors.Is(err, draw.ErrUnavailable), "%v", err)
		})
	}
}

// routeTo routes every draw to one activity.
type routeTo int64

func (r routeTo) Route(context.Context, Request) (int64, error) { return int64(r), nil }

// A draw the tree routes to an activity users cannot draw in matched no activity; a draw
// that names such an activity names an unknown one.
func TestResolveRoutedToAnUnknownActivity(t *testing.T) {
	t.Parallel()
	r := &resolver{catalog: NewCatalog(failingActivities{err: activity.ErrNotFound}, nil), router: routeTo(7)}
	err := r.Resolve(context.Background(), &Draw{Req: Request{UserID: "u"}})
	assert.ErrorIs(t, err, ErrNoMatchingActivity)
	assert.NotErrorIs(t, err, activity.ErrNotFound)
	err = r.Resolve(context.Background(), &Draw{Req: Request{UserID: "u", ActivityID: 7}})
	assert.ErrorIs(t, err, activity.ErrNotFound)
	assert.NotErrorIs(t, err, ErrNoMatchingActivity)
}
