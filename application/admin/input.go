package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/strategy"
)

// ActivityInput is what a marketer edits about an activity, already read from the wire.
// Refused lists the problems found while reading it (a decimal with seven places, a time
// that does not parse), with their field paths; they are answered together with every
// problem the domain finds, so one response lists everything that is wrong.
type ActivityInput struct {
	Name     string
	Kind     string
	BeginAt  time.Time
	EndAt    time.Time
	TimeZone string
	Stock    int64
	Limits   activity.Limits
	Mode     strategy.Mode
	Prizes   []strategy.Prize
	Refused  []check.Problem
	// Version is the activity's version the edit was made on; an update of an activity
	// changed since is refused (*activity.StaleVersionError). 0 names none.
	Version int64
}

// problems collects validation problems, one per field and its parts: a field refused
// while reading is not reported again by the domain, which only saw the zero value that
// stood in for it (nor is "strategy" required when a prize of it was refused).
type problems struct {
	list   check.List
	fields []string
}

func (p *problems) add(pr check.Problem) {
	for _, f := range p.fields {
		if related(f, pr.Field) {
			return
		}
	}
	p.fields = append(p.fields, pr.Field)
	p.list.Add(pr.Field, pr.Code, pr.Message)
}

// related reports whether a and b are the same field or one contains the other.
func related(a, b string) bool {
	within := func(child, parent string) bool {
		return strings.HasPrefix(child, parent+".") || strings.HasPrefix(child, parent+"[")
	}
	return a == b || within(a, b) || within(b, a)
}

// merge adds the problems of a *check.Error under prefix and returns any other error.
func (p *problems) merge(prefix string, err error) error {
	if err == nil {
		return nil
	}
	if !errors.Is(err, check.ErrInvalid) {
		return err
	}
	for _, pr := range check.Problems(err) {
		pr.Field = check.Join(prefix, pr.Field)
		p.add(pr)
	}
	return nil
}

// params turns the input into activity parameters, collecting the problems of the
// reading, of the strategy and of the prizes' awards. Strategy is nil when it is invalid.
func (s *Service) params(ctx context.Context, in ActivityInput) (activity.Params, *problems, error) {
	ps := &problems{}
	for _, pr := range in.Refused {
		ps.add(pr)
	}
	st, err := strategy.New(in.Mode, in.Prizes)
	if err := ps.merge("strategy", err); err != nil {
		return activity.Params{}, nil, err
	}
	if err := s.checkAwards(ctx, ps, in.Prizes); err != nil {
		return activity.Params{}, nil, err
	}
	return activity.Params{
		Name: in.Name, Kind: in.Kind, BeginAt: in.BeginAt, EndAt: in.EndAt, TimeZone: in.TimeZone,
		Stock: in.Stock, Limits: in.Limits, Strategy: st,
	}, ps, nil
}

// checkAwards wants every prize's award to exist: a missing one would fail only at grant
// time, for a real winner.
func (s *Service) checkAwards(ctx context.Context, ps *problems, prizes []strategy.Prize) error {
	for i, p := range prizes {
		if p.AwardID <= 0 {
			continue // reported by strategy.New
		}
		_, err := s.d.Awards.Get(ctx, p.AwardID)
		switch {
		case errors.Is(err, award.ErrNotFound):
			ps.add(check.Problem{
				Field:   check.Index("strategy.prizes", i) + ".award_id",
				Code:    check.CodeUnknown,
				Message: fmt.Sprintf("award %d does not exist", p.AwardID),
			})
		case err != nil:
			return fmt.Errorf("check award of prize %d: %w", i, err)
		}
	}
	return nil
}

// withPrizeIDs gives every prize a new id: slots are replaced as a whole on each edit,
// which is safe because only activities that never ran are editable.
func (s *Service) withPrizeIDs(in ActivityInput) (ActivityInput, error) {
	prizes := make([]strategy.Prize, len(in.Prizes))
	for i, p := range in.Prizes {
		id, err := s.newID()
		if err != nil {
			return in, err
		}
		p.ID = id
		prizes[i] = p
	}
	in.Prizes = prizes
	return in, nil
}

// ErrNoIDs: no new entity can be named at the moment (the process's id lease could not be
// renewed); nothing was saved, and a retry in a while works.
var ErrNoIDs = errors.New("no new ids can be made at the moment")

// newID names a new entity.
func (s *Service) newID() (int64, error) {
	id, err := s.d.IDs()
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrNoIDs, err)
	}
	return id, nil
}
