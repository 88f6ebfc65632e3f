package strategy_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/domain/strategy"
)

func TestGammaQKnownValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		a, x   float64
		want   float64
		within float64
	}{
		// Chi-square critical values: Q(df/2, stat/2).
		{"df1 stat3.841", 0.5, 3.841458820694124 / 2, 0.05, 1e-12},
		{"df5 stat11.07", 2.5, 11.070497693516351 / 2, 0.05, 1e-12},
		{"df10 stat23.21", 5, 23.209251158954356 / 2, 0.01, 1e-12},
		{"df1 stat10.83", 0.5, 10.827566170662733 / 2, 0.001, 1e-12},
		// Q(1, x) = e^-x on both sides of the series/fraction switch.
		{"a1 x0.5", 1, 0.5, math.Exp(-0.5), 1e-14},
		{"a1 x7", 1, 7, math.Exp(-7), 1e-14},
		// Q(a, 0) = 1.
		{"x0", 3, 0, 1, 0},
		{"far tail", 2, 200, 201 * math.Exp(-200), 1e-95},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.InDelta(t, tt.want, strategy.GammaQ(tt.a, tt.x), tt.within)
		})
	}
	assert.True(t, math.IsNaN(strategy.GammaQ(0, 1)))
	assert.True(t, math.IsNaN(strategy.GammaQ(1, -1)))
}

func TestChiSquare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		observed []int64
		expected []float64
		stat     float64
		df       int
		p        float64
	}{
		// (60-50)²/50 + (40-50)²/50 = 4, df 1, p = 0.0455.
		{"coin", []int64{60, 40}, []float64{50, 50}, 4, 1, 0.04550026389635842},
		{"perfect fit", []int64{25, 25, 50}, []float64{25, 25, 50}, 0, 2, 1},
		{"expected zero is skipped", []int64{60, 0, 40}, []float64{50, 0, 50}, 4, 1, 0.04550026389635842},
		{"observed where impossible", []int64{60, 1, 40}, []float64{50, 0, 50}, math.Inf(1), 1, 0},
		{"single category", []int64{10}, []float64{10}, 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stat, df, p := strategy.ChiSquare(tt.observed, tt.expected)
			assert.InDelta(t, tt.stat, stat, 1e-9)
			assert.Equal(t, tt.df, df)
			assert.InDelta(t, tt.p, p, 1e-9)
		})
	}
}

func TestChiSquarePValuesAtCriticalStats(t *testing.T) {
	t.Parallel()
	// stat 3.84 with df 1 and stat 11.07 with df 5 are the textbook 5% critical values.
	for _, tt := range []struct {
		stat float64
		df   int
	}{{3.84, 1}, {11.07, 5}} {
		p := strategy.GammaQ(float64(tt.df)/2, tt.stat/2)
		assert.InDelta(t, 0.05, p, 0.0002, "stat %v df %d", tt.stat, tt.df)
	}
}

func TestChiSquarePanicsOnLengthMismatch(t *testing.T) {
	t.Parallel()
	assert.Panics(t, func() { strategy.ChiSquare([]int64{1}, []float64{1, 2}) })
}
