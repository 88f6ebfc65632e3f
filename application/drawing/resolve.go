package drawing

import (
	"context"
	"errors"
	"fmt"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/draw"
)

// ErrNoMatchingActivity: the request named no activity and no rule tree routed the user
// to one.
var ErrNoMatchingActivity = errors.New("no matching activity")

// ErrUnknownTree: the request named a rule tree that does not exist. It is also an
// ErrNoMatchingActivity, so a repeated key is answered as for any draw no tree routes.
var ErrUnknownTree = fmt.Errorf("%w: no such rule tree", ErrNoMatchingActivity)

// Router picks an activity for a user from trusted facts (the rule engine implements it).
type Router interface {
	Route(ctx context.Context, req Request) (activityID int64, err error)
}

// resolver finds the activity in the catalog and checks it accepts draws now.
type resolver struct {
	catalog *Catalog
	router  Router
}

func (r *resolver) Resolve(ctx context.Context, d *Draw) error {
	id := d.Req.ActivityID
	if id == 0 {
		if r.router == nil {
			return ErrNoMatchingActivity
		}
		var err error
		if id, err = r.router.Route(ctx, d.Req); err != nil {
			return err // the router tells a failure to read from a tree that cannot route
		}
	}
	v, err := r.catalog.View(ctx, id)
	if err == nil && !v.Activity.State().Public() { // a draft is unknown to users, as GET /activities/{id} says
		err = activity.ErrNotFound
	}
	if errors.Is(err, activity.ErrNotFound) && d.Req.ActivityID == 0 {
		// The user named no activity: the tree's leaf leads nowhere open to them.
		return fmt.Errorf("%w: the rule tree led to activity %d, which users cannot draw in", ErrNoMatchingActivity, id)
	}
	if err != nil {
		return unavailable(err)
	}
	d.View = v // also when it refuses draws: a repeated key is answered from it
	return v.Activity.AcceptsDraws(d.Now)
}

// unavailable marks a failure to read the activity a draw needs as one the client may
// retry as it is (503), unlike the answer "no such activity", which stands.
func unavailable(err error) error {
	if errors.Is(err, activity.ErrNotFound) || errors.Is(err, draw.ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", draw.ErrUnavailable, err)
}
