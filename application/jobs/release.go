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
type Release struct {
	Activities Activities
	Pools      Pools
	Releases   Releases
	Now        func() time.Time
}

func (*Release) Name() string { return NameRelease }

func (j *Release) Run(ctx context.Context) (Report, error) {
	now := clock(j.Now)()
	rep := Report{"prizes": 0, "released": 0}
	err := eachActivity(ctx, j.Activities, []activity.State{activity.StateRunning, activity.StatePaused}, func(a *activity.Activity) error {
		for _, p := range a.Strategy().Prizes() {
			if p.Release == nil {
				continue
			}
			target := p.ReleasedBy(a.BeginAt(), a.EndAt(), now)
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
