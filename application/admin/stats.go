package admin

import (
	"context"

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

// Stats computes an activity's statistics; activity.ErrNotFound for an unknown id.
func (s *Service) Stats(ctx context.Context, id int64) (Stats, error) {
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
