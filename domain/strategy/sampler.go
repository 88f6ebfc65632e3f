package strategy

import (
	"errors"
	"math"
	"math/rand/v2"
)

var (
	ErrNoWeights       = errors.New("sampler needs at least one positive weight")
	ErrNegativeWeight  = errors.New("sampler weights must not be negative")
	ErrWeightsTooLarge = errors.New("sampler weights are too large")
)

// Sampler draws index i with probability weights[i]/sum(weights) in O(1): Vose's alias
// method, kept in integers. Every column of the table holds exactly `total` units split
// between the column's own index and its alias, so the table represents the weights
// exactly; a float table would drift by rounding and a chi-square test over millions of
// draws would eventually notice.
type Sampler struct {
	// span is n*total: one uniform draw below it picks the column (quotient) and the
	// position inside the column (remainder) together, saving a second random number.
	span  uint64
	total uint64
	keep  []uint64 // units of column c that belong to c itself
	alias []int32  // owner of the column's remaining units
}

// NewSampler builds the alias table. Zero weights are allowed (never drawn); all zero,
// negative weights, or a sum that overflows when multiplied by the count are refused.
func NewSampler(weights []int64) (*Sampler, error) {
	n := uint64(len(weights))
	var total uint64
	for _, w := range weights {
		if w < 0 {
			return nil, ErrNegativeWeight
		}
		total += uint64(w)
		if total > math.MaxInt64 {
			return nil, ErrWeightsTooLarge
		}
	}
	if total == 0 {
		return nil, ErrNoWeights
	}
	if total > math.MaxInt64/n {
		return nil, ErrWeightsTooLarge
	}
	s := &Sampler{
		span:  n * total,
		total: total,
		keep:  make([]uint64, n),
		alias: make([]int32, n),
	}
	s.build(weights)
	return s, nil
}

// build is Vose's pairing: a column short of total is topped up by one that has surplus.
// Scaled weights are w*n, so the average column holds exactly total.
func (s *Sampler) build(weights []int64) {
	n := len(weights)
	scaled := make([]uint64, n)
	small := make([]int32, 0, n)
	large := make([]int32, 0, n)
	for i, w := range weights {
		scaled[i] = uint64(w) * uint64(n)
		if scaled[i] < s.total {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		l := small[len(small)-1]
		small = small[:len(small)-1]
		g := large[len(large)-1]
		s.keep[l] = scaled[l]
		s.alias[l] = g
		scaled[g] -= s.total - scaled[l]
		if scaled[g] < s.total {
			large = large[:len(large)-1]
			small = append(small, g)
		}
	}
	// Integer arithmetic leaves no residue: whatever remains holds exactly total.
	for _, i := range append(small, large...) {
		s.keep[i] = s.total
		s.alias[i] = i
	}
}

// Len is the number of weights the sampler was built from.
func (s *Sampler) Len() int { return len(s.keep) }

// Sample draws one index. It does not allocate and is safe for concurrent use as long as
// each goroutine brings its own r (a *rand.Rand is not safe for concurrent use).
func (s *Sampler) Sample(r *rand.Rand) int {
	x := r.Uint64N(s.span)
	c, u := x/s.total, x%s.total
	if u < s.keep[c] {
		return int(c)
	}
	return int(s.alias[c])
}
