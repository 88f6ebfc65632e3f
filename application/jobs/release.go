package jobs

import (
	"context"
	"time"

	"github.com/lottery-go/lottery/domain/activity"
)

// Pools raise loaded prize pools.
type Pools interface {
	// Release raises the pool to target released units and returns the units added.
	Release(ctx context.Context, activityID, prizeID, target int64) (int64, error)
}

// Releases records in SQL what the plans have released.
type Releases interface {
	RecordRelease(ctx context.Context, prizeID, released int64, at time.Time) error
}

// Release is the prize pool release job: for every prize with a release plan of a running
// or paused activity, the pool is topped up to what the plan has released by now. The plan
// is cumulative, so a run that was missed is made up by the next.
//
// The last run before a window ends releases all the plan gives before end_at: a unit due
// after it would otherwise never be released, as the next run finds the window closed (the
// last ten seconds of a window under the default schedule; all but the first unit of a
// window shorter than the schedule's interval). That run may come before the window begins
// (a window between two runs): an approved activity's release is then recorded in SQL,
// which its load at start takes.
type Release struct {
	Activities Activities
	Pools      Pools
	Releases   Releases
	// NextRun tells when the job runs next after a time. Nil: each run releases what is
	// due by its own time only.
	NextRun func(after time.Time) time.Time
	Now     func() time.Time
}

func (*Release) Name() string { return NameRelease }

// releasedBy is the time whose plan a's prizes get at now: end_at when no run comes
// before the window closes (a second allowed for the next run itself), else now.
func (j *Release) releasedBy(a *activity.Activity, now time.Time) (time.Time, bool) {
	last := false
	if j.NextRun != nil {
		next := j.NextRun(now)
		last = !next.IsZero() && !next.Add(time.Second).Before(a.EndAt())
	}
	switch {
	case last:
		return a.EndAt(), true
	case a.State() == activity.StateApproved:
		return now, false // started, and loaded with what is due, by the states job
	}
	return now, true
}

func (j *Release) Run(ctx context.Context) (Report, error) {
	now := clock(j.Now)()
	rep := Report{"prizes": 0, "released": 0}
	states := []activity.State{activity.StateRunning, activity.StatePaused, activity.StateApproved}
	err := eachActivity(ctx, j.Activities, states, func(a *activity.Activity) error {
		by, due := j.releasedBy(a, now)
		if !due {
			return nil
		}
		for _, p := range a.Strategy().Prizes() {
			if p.Release == nil {
				continue
			}
			target := p.ReleasedBy(a.BeginAt(), a.EndAt(), by)
			// SQL first: a load that runs between the two steps then already sees the
			// release, and the ledger's own counter keeps the pool from getting it twice.
			if err := j.Releases.RecordRelease(ctx, p.ID, target, now); err != nil {
				return err
			}
			added, err := j.Pools.Release(ctx, a.ID(), p.ID, target)
			if err != nil {
				return err
			}
			rep["prizes"]++
			rep["released"] += added
		}
		return nil
	})
	return rep, err
}
