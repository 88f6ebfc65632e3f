package admin

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/strategy"
)

// LiveCounters reads the draw engine's counters (Redis). They run ahead of SQL by the
// draws admitted but not yet committed.
type LiveCounters interface {
	// Counters returns loaded=false when the activity's counters are not loaded (no draw
	// since the last restart or invalidation): there is nothing to compare then.
	Counters(ctx context.Context, activityID int64) (c Live, loaded bool, err error)
}

// Live is what the draw engine's counters say.
type Live struct {
	StockLeft int64
	PoolLeft  map[int64]int64 // prize id → units released and not yet won
}

// Stats is an activity's statistics. The SQL part counts committed orders only, so it may
// trail the live counters but is never wrong; Live is nil when no LiveCounters is wired
// or the counters are not loaded, and LiveError says why it failed when it did.
type Stats struct {
	Activity  *activity.Activity
	Draws     int64
	StockLeft int64
	Prizes    []PrizeStats
	Live      *LiveStats
	LiveError string
}

// PrizeStats is one prize slot's share of the statistics.
type PrizeStats struct {
	Prize     strategy.Prize
	Wins      int64
	StockLeft int64
}

// LiveStats compares the live counters with SQL. Drift is SQL stock left minus live stock
// left: the admissions in flight while quiet, anything else when it stays non-zero.
type LiveStats struct {
	Live
	Drift int64
}

// statsTimeout bounds one count of an activity's orders, which the views that asked for it
// share: it runs without their cancellation, so one viewer leaving fails no other.
const statsTimeout = time.Minute

// Stats computes an activity's statistics; activity.ErrNotFound for an unknown id. Counting
// a large activity's orders reads all of them (a second or so per million on MariaDB), so
// views of one activity that arrive while its count runs wait for that count instead of
// starting their own: a console open on many screens costs the database one count at a
// time. Such a view's figures may be as old as the count takes, never older.
func (s *Service) Stats(ctx context.Context, id int64) (Stats, error) {
	return s.stats.do(ctx, id, func() (Stats, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statsTimeout)
		defer cancel()
		return s.countStats(ctx, id)
	})
}

// countStats reads the activity, counts its orders and reads the live counters.
func (s *Service) countStats(ctx context.Context, id int64) (Stats, error) {
	a, err := s.d.Activities.Get(ctx, id)
	if err != nil {
		return Stats{}, err
	}
	draws, wins, err := s.d.Orders.OrderCounts(ctx, id)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Activity: a, Draws: draws, StockLeft: a.Stock() - draws}
	for _, p := range a.Strategy().Prizes() {
		st.Prizes = append(st.Prizes, PrizeStats{Prize: p, Wins: wins[p.ID], StockLeft: p.Stock - wins[p.ID]})
	}
	if s.d.Live == nil {
		return st, nil
	}
	live, loaded, err := s.d.Live.Counters(ctx, id)
	switch {
	case err != nil:
		// The SQL part is still right; a Redis outage must not hide it.
		st.LiveError = err.Error()
	case loaded:
		st.Live = &LiveStats{Live: live, Drift: st.StockLeft - live.StockLeft}
	}
	return st, nil
}

// statsFlights lets the views of one activity share the count under way. (singleflight
// would do, but cannot say how many joined, which the tests wait on.)
type statsFlights struct {
	mu      sync.Mutex
	running map[int64]*statsFlight
	joined  int // views that found a count under way, in all
}

type statsFlight struct {
	done chan struct{}
	st   Stats
	err  error
}

// do returns the result of the count of id under way, or of count started now. A caller
// whose ctx ends stops waiting; the count goes on for the others.
func (f *statsFlights) do(ctx context.Context, id int64, count func() (Stats, error)) (Stats, error) {
	f.mu.Lock()
	fl, ok := f.running[id]
	if ok {
		f.joined++
	} else {
		if f.running == nil {
			f.running = map[int64]*statsFlight{}
		}
		fl = &statsFlight{done: make(chan struct{})}
		f.running[id] = fl
		go func() {
			// Off the request's goroutine, a panic would pass the server's recovery and
			// end the process: it fails this count's views instead.
			defer func() {
				if p := recover(); p != nil {
					fl.err = fmt.Errorf("statistics of activity %d: panic: %v", id, p)
				}
				f.mu.Lock()
				delete(f.running, id)
				f.mu.Unlock()
				close(fl.done)
			}()
			fl.st, fl.err = count()
		}()
	}
	f.mu.Unlock()
	select {
	case <-fl.done:
		return fl.st, fl.err
	case <-ctx.Done():
		return Stats{}, ctx.Err()
	}
}
