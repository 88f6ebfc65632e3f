// Package strategy holds how an activity gives out prizes: the prize slots with their exact
// probabilities, stock, daily quota and release plan, the two modes for empty prizes, and
// the O(1) integer alias sampler that draws among them.
//
// A Strategy cannot exist in an invalid state: New refuses probabilities that sum above 1,
// and its tables are immutable after construction, so one Strategy is shared by every
// goroutine serving draws.
package strategy

import (
	"sync"
	"sync/atomic"
	"time"
)

// Mode decides what happens when the drawn prize is empty (sold out, quota reached or not
// yet released).
type Mode string

const (
	// ModeFixed: the draw wins nothing; the other prizes' odds are unchanged.
	ModeFixed Mode = "fixed"
	// ModeRenormalize: the empty prize is taken out and the draw is taken again among the
	// rest, "no prize" included.
	ModeRenormalize Mode = "renormalize"
)

// MaxPrizes is the number of prize slots a strategy may have; PickExcluding describes
// empty prizes as the bits of one uint64.
const MaxPrizes = 64

// Prize is one slot of a strategy. ID is zero until the slot is stored.
type Prize struct {
	ID          int64
	AwardID     int64
	Probability PPM
	Stock       int64
	DailyQuota  int64        // 0: no daily quota
	Release     *ReleasePlan // nil: the whole stock is available from the start
}

// ReleasedBy is how many units of the prize are available by t in the window [begin, end).
func (p Prize) ReleasedBy(begin, end, t time.Time) int64 {
	if p.Release == nil {
		return max(p.Stock, 0)
	}
	return p.Release.ReleasedBy(p.Stock, begin, end, t)
}

func (p Prize) clone() Prize {
	if p.Release != nil {
		p.Release = p.Release.clone()
	}
	return p
}

// Strategy is a validated set of prize slots with its precomputed alias table.
type Strategy struct {
	id      int64 // its stored row's; 0 until stored
	mode    Mode
	prizes  []Prize
	noPrize PPM
	main    *table

	// excluded caches the renormalized tables per set of empty prizes; see pick.go.
	mu       sync.Mutex
	excluded atomic.Pointer[map[uint64]*table]
}

// New validates the slots and builds the sampling table. Every problem is reported, with
// field paths like "prizes[1].probability", in a *check.Error. New is also how a stored
// strategy is loaded: the tables have to be built either way.
func New(mode Mode, prizes []Prize) (*Strategy, error) {
	if err := validate(mode, prizes); err != nil {
		return nil, err
	}
	s := &Strategy{mode: mode, prizes: make([]Prize, len(prizes))}
	var sum PPM
	for i, p := range prizes {
		s.prizes[i] = p.clone()
		sum += p.Probability
	}
	s.noPrize = One - sum
	s.main = s.buildTable(0)
	return s, nil
}

// ID is the id of the strategy's stored row, which the orders drawn from it name; 0 for
// one not stored yet.
func (s *Strategy) ID() int64 { return s.id }

// StoredAs records the id of the strategy's stored row. The repository calls it as it
// writes or loads the strategy, before anyone else holds it.
func (s *Strategy) StoredAs(id int64) { s.id = id }

// Mode is how empty prizes are treated.
func (s *Strategy) Mode() Mode { return s.mode }

// Prizes returns a copy of the slots, in draw-index order.
func (s *Strategy) Prizes() []Prize {
	out := make([]Prize, len(s.prizes))
	for i, p := range s.prizes {
		out[i] = p.clone()
	}
	return out
}

// Len is the number of prize slots.
func (s *Strategy) Len() int { return len(s.prizes) }

// At returns the slot with draw index i; i must be in [0, Len()).
func (s *Strategy) At(i int) Prize { return s.prizes[i].clone() }

// Prize finds a slot by its stored id.
func (s *Strategy) Prize(id int64) (Prize, bool) {
	i := s.Index(id)
	if i < 0 {
		return Prize{}, false
	}
	return s.prizes[i].clone(), true
}

// Index is the draw index of the slot with the given stored id, or -1.
func (s *Strategy) Index(id int64) int {
	if id == 0 {
		return -1
	}
	for i, p := range s.prizes {
		if p.ID == id {
			return i
		}
	}
	return -1
}

// NoPrize is the probability that a draw wins nothing even when every prize is available.
func (s *Strategy) NoPrize() PPM { return s.noPrize }

// Expected is the expected count per draw index after n draws with every prize available;
// the last element is "no prize". It pairs with Simulate and ChiSquare.
func (s *Strategy) Expected(n int) []float64 {
	out := make([]float64, len(s.prizes)+1)
	for i, p := range s.prizes {
		out[i] = float64(n) * p.Probability.Float()
	}
	out[len(s.prizes)] = float64(n) * s.noPrize.Float()
	return out
}
