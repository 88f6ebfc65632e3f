package strategy_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/strategy"
)

func TestNewSamplerRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		weights []int64
		wantErr error
	}{
		{"empty", nil, strategy.ErrNoWeights},
		{"all zero", []int64{0, 0, 0}, strategy.ErrNoWeights},
		{"negative", []int64{5, -1}, strategy.ErrNegativeWeight},
		{"sum overflows", []int64{math.MaxInt64, 1}, strategy.ErrWeightsTooLarge},
		{"sum times count overflows", []int64{math.MaxInt64 / 2, 1}, strategy.ErrWeightsTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := strategy.NewSampler(tt.weights)
			require.ErrorIs(t, err, tt.wantErr)
		})
	}
}

func TestSamplerEdgeCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		weights []int64
		allowed map[int]bool
	}{
		{"single weight", []int64{7}, map[int]bool{0: true}},
		{"zero weights are never drawn", []int64{0, 3, 0, 0, 5, 0}, map[int]bool{1: true, 4: true}},
		{"one positive among zeros", []int64{0, 0, 1, 0}, map[int]bool{2: true}},
		{"huge single weight", []int64{math.MaxInt64}, map[int]bool{0: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := strategy.NewSampler(tt.weights)
			require.NoError(t, err)
			assert.Equal(t, len(tt.weights), s.Len())
			r := strategy.NewSeededRand(1)
			for range 10_000 {
				i := s.Sample(r)
				require.True(t, tt.allowed[i], "drew %d", i)
			}
		})
	}
}

func TestSamplerDistribution(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		weights []int64
	}{
		{"uneven", []int64{1, 2, 3, 4, 90}},
		{"with zeros", []int64{0, 10, 0, 30, 60}},
		{"tiny against huge", []int64{1_000, 999_000_000, 50_000}},
		{"many equal", []int64{5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}},
	}
	for k, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := strategy.NewSampler(tt.weights)
			require.NoError(t, err)
			const n = 1_000_000
			r := strategy.NewSeededRand(uint64(100 + k))
			observed := make([]int64, len(tt.weights))
			for range n {
				observed[s.Sample(r)]++
			}
			var total int64
			for _, w := range tt.weights {
				total += w
			}
			expected := make([]float64, len(tt.weights))
			for i, w := range tt.weights {
				expected[i] = n * float64(w) / float64(total)
			}
			_, _, p := strategy.ChiSquare(observed, expected)
			assert.Greater(t, p, 0.001, "observed %v expected %v", observed, expected)
		})
	}
}

func BenchmarkSample(b *testing.B) {
	s, err := strategy.NewSampler([]int64{10_000, 20_000, 150_000, 3, 800_000, 19_997})
	require.NoError(b, err)
	r := strategy.NewRand()
	b.ReportAllocs()
	sink := 0
	for b.Loop() {
		sink += s.Sample(r)
	}
	_ = sink
}
