package strategy

import "math/rand/v2"

// Simulate draws n times with every prize available and counts the outcomes per draw
// index; the last element counts "no prize". It has no side effects, which is what the
// admin simulate endpoint promises.
func Simulate(s *Strategy, n int, r *rand.Rand) []int64 {
	counts := make([]int64, len(s.prizes)+1)
	last := len(s.prizes)
	for range n {
		i := s.Pick(r)
		if i < 0 {
			i = last
		}
		counts[i]++
	}
	return counts
}
