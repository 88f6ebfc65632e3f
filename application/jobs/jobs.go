// Package jobs holds the scheduled work of DESIGN.md §6: outbox compensation, admission
// recovery, prize pool release, counter reconciliation and activity state timers. Each
// job is one idempotent pass; the scheduler decides when, and that only one process in a
// cluster runs a job at a time.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lottery-go/lottery/domain/activity"
)

// Job names, as used in configuration (jobs.<name>), metrics and the jobs command.
const (
	NameOutbox    = "outbox"
	NameRecovery  = "recovery"
	NameRelease   = "release"
	NameReconcile = "reconcile"
	NameStates    = "states"
)

// Names lists every job in the order they are documented.
var Names = []string{NameOutbox, NameRecovery, NameRelease, NameReconcile, NameStates}

// Report is what one run did, by name (e.g. "republished": 3), for its log line.
type Report map[string]int64

// inventory names the counts of a Report that say what a run looked at, not what it did
// (the outbox's backlog and its age are gauges, exported every run).
var inventory = map[string]bool{"activities": true, "prizes": true, "watching": true, "backlog": true, "oldest_seconds": true}

// DidSomething reports whether a count other than what the run looked at is not zero.
func (r Report) DidSomething() bool {
	for k, v := range r {
		if v != 0 && !inventory[k] {
			return true
		}
	}
	return false
}

// Job is one scheduled task. Run must be safe to repeat and to abort at any point.
type Job interface {
	Name() string
	Run(ctx context.Context) (Report, error)
}

// HandedOver is a job that exports what its runs find beyond its report: when another
// process has its lease, it drops that, so that only the process running it reports.
type HandedOver interface {
	HandedOver()
}

// Activities lists activities and changes their state with a review trail.
type Activities interface {
	Get(ctx context.Context, id int64) (*activity.Activity, error)
	List(ctx context.Context, f activity.Filter) ([]*activity.Activity, error)
	Transition(ctx context.Context, id int64, fn func(*activity.Activity) (activity.TrailEntry, error)) error
}

// pageSize is the activities one List call reads.
const pageSize = 200

// eachActivity calls fn for every activity in one of states, page by page. An activity
// fn fails on does not hold up the others: their errors are returned together (the first
// maxActivityErrors of them, with the count of the rest), once every activity was tried.
func eachActivity(ctx context.Context, acts Activities, states []activity.State, fn func(*activity.Activity) error) error {
	var errs activityErrors
	for _, st := range states {
		var after int64
		for {
			page, err := acts.List(ctx, activity.Filter{State: st, After: after, Limit: pageSize})
			if err != nil {
				return errs.join(err)
			}
			for _, a := range page {
				if err := fn(a); err != nil {
					if ctx.Err() != nil {
						return errs.join(err)
					}
					errs.add(a.ID(), err)
				}
			}
			if len(page) < pageSize {
				break
			}
			after = page[len(page)-1].ID()
		}
	}
	return errs.join()
}

// activityErrors gathers what failed in a run over many activities: the first
// maxActivityErrors in full, the count of the rest.
type activityErrors struct {
	errs   []error
	failed int
}

func (e *activityErrors) add(id int64, err error) {
	if e.failed++; e.failed <= maxActivityErrors {
		e.errs = append(e.errs, fmt.Errorf("activity %d: %w", id, err))
	}
}

// join returns everything gathered, and last (the error that ends the run early) if any.
func (e *activityErrors) join(last ...error) error {
	errs := append(e.errs[:len(e.errs):len(e.errs)], last...)
	if e.failed > maxActivityErrors {
		errs = append(errs, fmt.Errorf("and %d activities more", e.failed-maxActivityErrors))
	}
	return errors.Join(errs...)
}

// maxActivityErrors bounds the errors of one run reported one by one.
const maxActivityErrors = 5

// clock defaults a nil clock to the wall clock.
func clock(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}
