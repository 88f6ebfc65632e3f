package main

import (
	"context"
	"sync"
	"time"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/infrastructure/redisstore"
)

// warmRunning loads the ledger counters of every running activity that has none yet, in
// the background: an activity that just started then serves its first draws without
// waiting out the reload grace. Passes are coalesced: one runs at a time, and those asked
// for meanwhile make one more after it.
func (e *engine) warmRunning() { e.startWarm(e.ledger.Warm) }

// warmAtStart warms every running activity as the process starts, so that the first
// draws after a restart find their counters loaded or loading. A Redis that started with
// this process (the embedded one) holds nothing another process admitted, and the process
// before us is gone (it held the data directory), so its counters are loaded without the
// grace.
func (e *engine) warmAtStart(redisInProcess bool) {
	load := e.ledger.Warm
	if redisInProcess {
		load = e.ledger.WarmFresh
	}
	e.startWarm(load)
}

// startWarm starts a pass with load, or, while one runs, has one more follow it.
func (e *engine) startWarm(load func(ctx context.Context, id int64, day string) error) {
	e.warm.mu.Lock()
	defer e.warm.mu.Unlock()
	if e.warm.running {
		e.warm.again = true
		return
	}
	e.warm.running = true
	go e.warmPasses(load)
}

// warmPasses runs passes until none was asked for during the last.
func (e *engine) warmPasses(load func(ctx context.Context, id int64, day string) error) {
	for {
		e.warmPass(load)
		e.warm.mu.Lock()
		if !e.warm.again {
			e.warm.running = false
			e.warm.mu.Unlock()
			return
		}
		e.warm.again = false
		e.warm.mu.Unlock()
		load = e.ledger.Warm
	}
}

// warmAtOnce bounds the activities loaded at the same time; each may wait out the grace.
const warmAtOnce = 8

func (e *engine) warmPass(load func(ctx context.Context, id int64, day string) error) {
	ctx, cancel := context.WithTimeout(e.warm.ctx, 5*time.Minute)
	defer cancel()
	slots := make(chan struct{}, warmAtOnce)
	var wg sync.WaitGroup
	defer wg.Wait()
	var after int64
	for {
		page, err := e.activities.List(ctx, activity.Filter{State: activity.StateRunning, After: after, Limit: 200})
		if err != nil {
			e.log.Warn("warm running activities", "err", err)
			return
		}
		for _, a := range page {
			slots <- struct{}{}
			wg.Go(func() {
				defer func() { <-slots }()
				if err := load(ctx, a.ID(), a.Day(time.Now())); err != nil && ctx.Err() == nil {
					e.log.Warn("warm activity", "activity_id", a.ID(), "err", err)
				}
			})
			after = a.ID()
		}
		if len(page) < 200 {
			return
		}
	}
}

// warmingFeed announces changes like the feed it wraps, then warms what started.
type warmingFeed struct{ e *engine }

func (w warmingFeed) Publish(ctx context.Context) error {
	// This process follows its own change at once (a pause stops its next draw); the others
	// within the feed's poll.
	w.e.dropCaches()
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
