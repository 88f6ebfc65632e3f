package drawing

import (
	"context"
	"errors"

	"github.com/lottery-go/lottery/domain/activity"
)

// ErrNoMatchingActivity: the request named no activity and no rule tree routed the user
// to one.
var ErrNoMatchingActivity = errors.New("no matching activity")

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
			return err
		}
	}
	v, err := r.catalog.View(ctx, id)
	if err != nil {
		return err
	}
	if !v.Activity.State().Public() { // a draft is unknown to users, as GET /activities/{id} says
		return activity.ErrNotFound
	}
	d.View = v // also when it refuses draws: a repeated key is answered from it
	return v.Activity.AcceptsDraws(d.Now)
}
