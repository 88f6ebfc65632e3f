package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/lottery-go/lottery/domain/activity"
)

// Feed announces that activities changed, so every process drops its cached copies.
type Feed interface {
	Publish(ctx context.Context) error
}

// System is the actor of scheduled transitions. Starting and closing need no review, so
// separation of duties does not apply; the trail shows "system" as who did it.
var System = activity.Actor{ID: "system", Admin: true}

// States is the activity state timer: an approved activity starts running when its window
// begins before the job's next run, and an approved, running or paused one closes when its
// window ends.
type States struct {
	Activities Activities
	Feed       Feed
	Starter    activity.Starter // optional: readies an activity's first draws before it starts
	// NextRun tells when the job runs next after a time. An approved activity whose window
	// begins before then (and a second for the run itself) is started now, so it is
	// running when its window begins rather than at the next run, and a window between two
	// runs is not closed before it ever ran, however long the wait (a daily schedule skips
	// the run that falls in the hour a change to daylight saving time takes out, and waits
	// two days). Draws are refused until begin_at all the same. Nil: started at begin_at.
	NextRun func(after time.Time) time.Time
	Now     func() time.Time
}

// lead is how early an approved activity is started by the run at now.
func (j *States) lead(now time.Time) time.Duration {
	if j.NextRun == nil {
		return 0
	}
	next := j.NextRun(now)
	if next.IsZero() {
		return 0
	}
	return next.Sub(now) + time.Second
}

func (*States) Name() string { return NameStates }

// due is the action a's window calls for at now, if any.
func (j *States) due(a *activity.Activity, now time.Time, lead time.Duration) (activity.Action, string, bool) {
	switch {
	case !now.Before(a.EndAt()) && a.State() != activity.StateClosed:
		return activity.ActionClose, "the window ended", true
	case a.State() == activity.StateApproved && !now.Before(a.BeginAt()):
		return activity.ActionStart, "the window began", true
	case a.State() == activity.StateApproved && !now.Before(a.BeginAt().Add(-lead)):
		return activity.ActionStart, "the window begins at " + a.BeginAt().Format(time.RFC3339), true
	}
	return "", "", false
}

func (j *States) Run(ctx context.Context) (Report, error) {
	now := clock(j.Now)()
	lead := j.lead(now)
	rep := Report{"started": 0, "closed": 0, "skipped": 0}
	states := []activity.State{activity.StateApproved, activity.StateRunning, activity.StatePaused}
	err := eachActivity(ctx, j.Activities, states, func(a *activity.Activity) error {
		act, _, ok := j.due(a, now, lead)
		if !ok {
			return nil
		}
		if act == activity.ActionStart && j.Starter != nil {
			_ = j.Starter.Prepare(ctx, a.ID()) // on failure the first draws load the counters
		}
		var done activity.Action
		err := j.Activities.Transition(ctx, a.ID(), func(fresh *activity.Activity) (activity.TrailEntry, error) {
			// Decided again on the stored activity: someone may have moved it meanwhile.
			act, why, ok := j.due(fresh, now, lead)
			if !ok {
				return activity.TrailEntry{}, errNothingDue
			}
			from := fresh.State()
			if err := fresh.Transition(act, System, now); err != nil {
				return activity.TrailEntry{}, err
			}
			done = act
			return activity.TrailEntry{Action: act, From: from, To: fresh.State(), Actor: System.ID,
				Reason: "scheduled: " + why, At: now}, nil
		})
		switch {
		case err == nil && done == activity.ActionStart:
			rep["started"]++
		case err == nil:
			rep["closed"]++
		case errors.Is(err, errNothingDue), errors.Is(err, activity.ErrConcurrentChange), errors.Is(err, activity.ErrNotFound):
			rep["skipped"]++ // the next run looks again
		default:
			return err
		}
		return nil
	})
	if rep["started"]+rep["closed"] > 0 {
		// Committed changes are announced even when the run was stopped after them (a
		// deploy, a lost lease): the next run finds nothing due and would not announce
		// them again.
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
		if perr := j.Feed.Publish(pctx); perr != nil {
			err = errors.Join(err, perr)
		}
		cancel()
	}
	return rep, err
}

var errNothingDue = errors.New("no transition due")

// publishTimeout bounds the announcement of a run's changes once the run has ended.
const publishTimeout = 5 * time.Second
