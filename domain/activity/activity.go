// Package activity is the campaign aggregate: what it offers (window, stock, per-user
// limits, strategy), its review life cycle as an explicit state machine with separation of
// duties, and the Repository port that persists it with compare-and-set updates.
package activity

import (
	"time"

	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/strategy"
)

// Activity is one campaign. It starts in draft; only a running activity inside its window
// accepts draws.
type Activity struct {
	id        int64
	params    Params
	location  *time.Location
	state     State
	createdBy string
	editedBy  string // who last edited it after its creation; "" for nobody
	createdAt time.Time
	updatedAt time.Time
	version   int64
}

// New validates p and creates a draft. id is assigned by the caller (a snowflake) and
// must be positive. Every problem is reported in a *check.Error.
func New(id int64, p Params, createdBy string, now time.Time) (*Activity, error) {
	var l check.List
	if id <= 0 {
		l.Add("id", check.CodeRequired, "id must be positive")
	}
	if createdBy == "" {
		l.Add("created_by", check.CodeRequired, "the creating user is required")
	}
	loc := p.check(&l)
	p.checkNotEnded(&l, now)
	if err := l.Err(); err != nil {
		return nil, err
	}
	return &Activity{
		id:        id,
		params:    p,
		location:  loc,
		state:     StateDraft,
		createdBy: createdBy,
		createdAt: now,
		updatedAt: now,
	}, nil
}

// UnmarshalFromDatabase rebuilds a stored activity without validating it, so that a later
// tightening of the rules never makes stored data unreadable. An unknown time zone (say,
// removed from the zone database) falls back to UTC rather than failing the load.
func UnmarshalFromDatabase(
	id int64, p Params, state State, createdBy, editedBy string, createdAt, updatedAt time.Time, version int64,
) *Activity {
	loc, err := loadZone(p.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	if p.Kind == "" {
		p.Kind = KindLottery
	}
	return &Activity{
		id: id, params: p, location: loc, state: state, createdBy: createdBy, editedBy: editedBy,
		createdAt: createdAt, updatedAt: updatedAt, version: version,
	}
}

// Update replaces the editable parameters on behalf of by, who becomes the activity's
// last editor: like its creator, they may not review it. Only drafts and rejected
// activities are editable: once submitted, what the reviewer approves must be what runs.
func (a *Activity) Update(p Params, by string, now time.Time) error {
	if a.state != StateDraft && a.state != StateRejected {
		return &StateError{Kind: ErrNotEditable, State: a.state}
	}
	var l check.List
	loc := p.check(&l)
	p.checkNotEnded(&l, now)
	if err := l.Err(); err != nil {
		return err
	}
	a.params, a.location, a.updatedAt = p, loc, now
	if by != a.createdBy {
		a.editedBy = by
	} else {
		a.editedBy = ""
	}
	return nil
}

// checkNotEnded refuses a window that has already ended: such an activity could never be
// submitted, so it is refused when written rather than at the first transition.
func (p Params) checkNotEnded(l *check.List, now time.Time) {
	if !l.Has("end_at") && !now.Before(p.EndAt) { // a zero end_at is already refused
		l.Add("end_at", check.CodeOutOfRange, "end_at has passed: an activity's window must end in the future")
	}
}

func (a *Activity) ID() int64                    { return a.id }
func (a *Activity) Name() string                 { return a.params.Name }
func (a *Activity) Kind() string                 { return a.params.Kind }
func (a *Activity) BeginAt() time.Time           { return a.params.BeginAt }
func (a *Activity) EndAt() time.Time             { return a.params.EndAt }
func (a *Activity) TimeZone() string             { return a.params.TimeZone }
func (a *Activity) Location() *time.Location     { return a.location }
func (a *Activity) Stock() int64                 { return a.params.Stock }
func (a *Activity) Limits() Limits               { return a.params.Limits }
func (a *Activity) Strategy() *strategy.Strategy { return a.params.Strategy }
func (a *Activity) Params() Params               { return a.params }
func (a *Activity) State() State                 { return a.state }
func (a *Activity) CreatedBy() string            { return a.createdBy }
func (a *Activity) EditedBy() string             { return a.editedBy }
func (a *Activity) CreatedAt() time.Time         { return a.createdAt }
func (a *Activity) UpdatedAt() time.Time         { return a.updatedAt }

// Version is the optimistic-lock counter. The repository compares it when storing and
// increments it; the domain never changes it.
func (a *Activity) Version() int64 { return a.version }
