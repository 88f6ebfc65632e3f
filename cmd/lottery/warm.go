package main

import (
	"context"
	"time"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/infrastructure/redisstore"
)

// warmRunning loads the ledger counters of every running activity that has none yet, in
// the background: an activity that just started then serves its first draws without
// waiting out the reload grace.
func (e *engine) warmRunning() {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var after int64
		for {
			page, err := e.activities.List(ctx, activity.Filter{State: activity.StateRunning, After: after, Limit: 200})
			if err != nil {
				e.log.Warn("warm running activities", "err", err)
				return
			}
			for _, a := range page {
				if err := e.ledger.Warm(ctx, a.ID(), a.Day(time.Now())); err != nil {
					e.log.Warn("warm activity", "activity_id", a.ID(), "err", err)
				}
				after = a.ID()
			}
			if len(page) < 200 {
				return
			}
		}
	}()
}

// warmingFeed announces changes like the feed it wraps, then warms what started.
type warmingFeed struct{ e *engine }

func (w warmingFeed) Publish(ctx context.Context) error {
	// This process follows its own change at once (a pause stops its next draw); the others
	// within the feed's poll.
	w.e.catalog.InvalidateAll()
	w.e.router.InvalidateAll()
	err := w.e.feed.Publish(ctx)
	w.e.warmRunning()
	return err
}

// ledgerStarter loads an approved activity's counters before it starts (see
// redisstore.(*Ledger).Prepare). The state is read afresh: loading without the grace is
// only safe while no process can be drawing from the activity.
type ledgerStarter struct {
	activities activity.Repository
	ledger     *redisstore.Ledger
}

func (l ledgerStarter) Prepare(ctx context.Context, id int64) error {
	a, err := l.activities.Get(ctx, id)
	if err != nil {
		return err
	}
	if a.State() != activity.StateApproved {
		return nil
	}
	return l.ledger.Prepare(ctx, id, a.Day(time.Now()))
}
