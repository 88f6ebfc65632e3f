package strategy

import (
	"maps"
	"math/rand/v2"
)

// maxCachedTables bounds the renormalized tables one strategy keeps. Sets of empty prizes
// change slowly (a prize sells out, a daily quota resets), so a handful is typical; the
// bound only protects memory against a pathological sequence of sets.
const maxCachedTables = 256

// table is a sampler plus what each of its categories means: a prize index or -1 for
// "no prize". nil means nothing can be drawn at all.
type table struct {
	sampler *Sampler
	outcome []int
}

func (t *table) pick(r *rand.Rand) int {
	if t == nil {
		return -1
	}
	return t.outcome[t.sampler.Sample(r)]
}

// buildTable makes the table over the prizes not in excluded, plus "no prize".
func (s *Strategy) buildTable(excluded uint64) *table {
	weights := make([]int64, 0, len(s.prizes)+1)
	outcome := make([]int, 0, len(s.prizes)+1)
	for i, p := range s.prizes {
		if excluded&(1<<i) == 0 {
			weights = append(weights, int64(p.Probability))
			outcome = append(outcome, i)
		}
	}
	if s.noPrize > 0 {
		weights = append(weights, int64(s.noPrize))
		outcome = append(outcome, -1)
	}
	sampler, err := NewSampler(weights)
	if err != nil {
		// Only when everything is excluded and nothing is left for "no prize": validated
		// probabilities are positive and sum to at most One, far from any overflow.
		return nil
	}
	return &table{sampler: sampler, outcome: outcome}
}

// Pick draws one prize index in [0, Len()) or -1 for "no prize", with every prize
// available. O(1), no allocation.
func (s *Strategy) Pick(r *rand.Rand) int { return s.main.pick(r) }

// PickExcluding draws with the prizes whose bit is set in excluded treated as empty.
//
// In ModeFixed an empty prize drawn means the draw wins nothing, so its weight simply goes
// to "no prize". In ModeRenormalize the empty prizes are removed and the draw is taken
// among the rest, which is the same distribution as redrawing until a non-empty outcome
// comes up, but in one step.
func (s *Strategy) PickExcluding(r *rand.Rand, excluded uint64) int {
	excluded &= s.validBits()
	if excluded == 0 {
		return s.main.pick(r)
	}
	if s.mode == ModeFixed {
		i := s.main.pick(r)
		if i >= 0 && excluded&(1<<i) != 0 {
			return -1
		}
		return i
	}
	return s.tableExcluding(excluded).pick(r)
}

func (s *Strategy) validBits() uint64 {
	if len(s.prizes) == MaxPrizes {
		return ^uint64(0)
	}
	return 1<<len(s.prizes) - 1
}

// tableExcluding returns the cached table for a set of empty prizes, building it on first
// use. Readers take no lock: the map behind the atomic pointer is never mutated, a writer
// publishes a new copy (copy-on-write), so the hot path is one atomic load and a map read.
func (s *Strategy) tableExcluding(excluded uint64) *table {
	if m := s.excluded.Load(); m != nil {
		if t, ok := (*m)[excluded]; ok {
			return t
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.excluded.Load()
	if old != nil {
		if t, ok := (*old)[excluded]; ok {
			return t
		}
	}
	t := s.buildTable(excluded)
	if old != nil && len(*old) >= maxCachedTables {
		return t
	}
	next := make(map[uint64]*table, 1)
	if old != nil {
		next = maps.Clone(*old)
	}
	next[excluded] = t
	s.excluded.Store(&next)
	return t
}
