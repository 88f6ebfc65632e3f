package admin

import (
	"context"
	"errors"

	"github.com/lottery-go/lottery/domain/activity"
)

// CreateActivity validates and stores a new draft created by actor and returns its id.
// Writes return ids, not activities: GetActivity shows what was stored, version included.
func (s *Service) CreateActivity(ctx context.Context, actor activity.Actor, in ActivityInput) (int64, error) {
	in, err := s.withPrizeIDs(in)
	if err != nil {
		return 0, err
	}
	p, ps, err := s.params(ctx, in)
	if err != nil {
		return 0, err
	}
	id, err := s.newID()
	if err != nil {
		return 0, err
	}
	a, err := activity.New(id, p, actor.ID, s.now())
	if err := ps.merge("", err); err != nil {
		return 0, err
	}
	if err := ps.list.Err(); err != nil {
		return 0, err
	}
	if err := s.d.Activities.Create(ctx, a); err != nil {
		return 0, err
	}
	return a.ID(), nil
}

// UpdateActivity replaces the parameters of a draft or rejected activity; any other state
// answers activity.ErrNotEditable, before the input is even looked at.
func (s *Service) UpdateActivity(ctx context.Context, by activity.Actor, id int64, in ActivityInput) error {
	in, err := s.withPrizeIDs(in)
	if err != nil {
		return err
	}
	p, ps, err := s.params(ctx, in)
	if err != nil {
		return err
	}
	err = retryLostRace(func() error {
		return s.d.Activities.Update(ctx, id, func(a *activity.Activity) error {
			if err := a.CheckVersion(in.Version); err != nil {
				return err
			}
			err := a.Update(p, by.ID, s.now())
			if errors.Is(err, activity.ErrNotEditable) {
				return err
			}
			if err := ps.merge("", err); err != nil {
				return err
			}
			return ps.list.Err()
		})
	})
	if err != nil {
		return err
	}
	s.notify(ctx, "activity", func(ctx context.Context, n Notifier) error { return n.ActivityChanged(ctx, id) })
	return nil
}

// GetActivity returns the activity and its review trail; activity.ErrNotFound for an
// unknown id.
func (s *Service) GetActivity(ctx context.Context, id int64) (*activity.Activity, []activity.TrailEntry, error) {
	a, err := s.d.Activities.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	trail, err := s.d.Activities.Trail(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return a, trail, nil
}

// ListActivities returns a page of activities in id order, only those in state when it
// is not empty, and whether more follow.
func (s *Service) ListActivities(ctx context.Context, state activity.State, p Page) ([]*activity.Activity, bool, error) {
	items, err := s.d.Activities.List(ctx, activity.Filter{State: state, After: p.After, Limit: p.Limit + 1})
	if err != nil {
		return nil, false, err
	}
	more := len(items) > p.Limit
	return items[:min(len(items), p.Limit)], more, nil
}
