package strategy_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/strategy"
)

const draws = 1_000_000

// odds has "no prize" at 0.6 so that both modes have somewhere for excluded weight to go.
var odds = []strategy.PPM{10_000, 40_000, 150_000, 200_000}

func newStrategy(t testing.TB, mode strategy.Mode, probs ...strategy.PPM) *strategy.Strategy {
	t.Helper()
	prizes := make([]strategy.Prize, len(probs))
	for i, p := range probs {
		prizes[i] = strategy.Prize{AwardID: int64(i + 1), Probability: p, Stock: 1000}
	}
	s, err := strategy.New(mode, prizes)
	require.NoError(t, err)
	return s
}

// observe draws n times and counts outcomes with "no prize" last, as Simulate does.
func observe(s *strategy.Strategy, seed uint64, excluded uint64) []int64 {
	r := strategy.NewSeededRand(seed)
	counts := make([]int64, s.Len()+1)
	for range draws {
		i := s.PickExcluding(r, excluded)
		if i < 0 {
			i = s.Len()
		}
		counts[i]++
	}
	return counts
}

func TestPickMatchesOdds(t *testing.T) {
	t.Parallel()
	for k, mode := range []strategy.Mode{strategy.ModeFixed, strategy.ModeRenormalize} {
		s := newStrategy(t, mode, odds...)
		counts := strategy.Simulate(s, draws, strategy.NewSeededRand(uint64(k+1)))
		stat, df, p := strategy.ChiSquare(counts, s.Expected(draws))
		assert.Equal(t, 4, df)
		assert.Greater(t, p, 0.001, "%s: counts %v stat %.2f", mode, counts, stat)
	}
}

func TestPickExcluding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mode     strategy.Mode
		probs    []strategy.PPM
		excluded uint64
		want     []float64 // probability per index, "no prize" last
	}{
		{"fixed: excluded weight goes to no prize", strategy.ModeFixed, odds, 0b0100,
			[]float64{0.01, 0.04, 0, 0.2, 0.75}},
		{"fixed: two excluded", strategy.ModeFixed, odds, 0b1001,
			[]float64{0, 0.04, 0.15, 0, 0.81}},
		{"renormalize: the rest share it", strategy.ModeRenormalize, odds, 0b0100,
			[]float64{0.01 / 0.85, 0.04 / 0.85, 0, 0.2 / 0.85, 0.6 / 0.85}},
		{"renormalize: two excluded", strategy.ModeRenormalize, odds, 0b1001,
			[]float64{0, 0.04 / 0.79, 0.15 / 0.79, 0, 0.6 / 0.79}},
		{"renormalize without no prize", strategy.ModeRenormalize, []strategy.PPM{250_000, 750_000}, 0b10,
			[]float64{1, 0, 0}},
		{"renormalize: all excluded, no prize left", strategy.ModeRenormalize, []strategy.PPM{250_000, 750_000}, 0b11,
			[]float64{0, 0, 1}},
		{"renormalize: all excluded", strategy.ModeRenormalize, odds, 0b1111,
			[]float64{0, 0, 0, 0, 1}},
		{"fixed: all excluded", strategy.ModeFixed, odds, 0b1111,
			[]float64{0, 0, 0, 0, 1}},
		{"bits beyond the prizes are ignored", strategy.ModeRenormalize, odds, ^uint64(0) &^ 0b1111,
			[]float64{0.01, 0.04, 0.15, 0.2, 0.6}},
	}
	for k, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStrategy(t, tt.mode, tt.probs...)
			counts := observe(s, uint64(1000+k), tt.excluded)
			expected := make([]float64, len(tt.want))
			for i, w := range tt.want {
				expected[i] = w * draws
			}
			stat, _, p := strategy.ChiSquare(counts, expected)
			assert.Greater(t, p, 0.001, "counts %v stat %.2f", counts, stat)
		})
	}
}

func TestPickExcludingSixtyFourPrizes(t *testing.T) {
	t.Parallel()
	probs := make([]strategy.PPM, strategy.MaxPrizes)
	for i := range probs {
		probs[i] = 15_000
	}
	s := newStrategy(t, strategy.ModeRenormalize, probs...)
	r := strategy.NewSeededRand(7)
	excluded := uint64(1)<<63 | 1
	for range 100_000 {
		i := s.PickExcluding(r, excluded)
		require.NotEqual(t, 0, i)
		require.NotEqual(t, 63, i)
	}
}

// Concurrent first uses of many exclusion sets race on the copy-on-write cache; -race and
// the outcome check catch a torn or lost table.
func TestPickExcludingConcurrent(t *testing.T) {
	t.Parallel()
	s := newStrategy(t, strategy.ModeRenormalize, odds...)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			r := strategy.NewSeededRand(uint64(g))
			for k := range 2_000 {
				excluded := uint64(k % 16)
				i := s.PickExcluding(r, excluded)
				if i >= 0 && excluded&(1<<i) != 0 {
					t.Errorf("drew excluded prize %d with set %04b", i, excluded)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkPick(b *testing.B) {
	s := newStrategy(b, strategy.ModeFixed, odds...)
	r := strategy.NewRand()
	b.ReportAllocs()
	sink := 0
	for b.Loop() {
		sink += s.Pick(r)
	}
	_ = sink
}

func BenchmarkPickExcludingFixed(b *testing.B) {
	s := newStrategy(b, strategy.ModeFixed, odds...)
	r := strategy.NewRand()
	b.ReportAllocs()
	sink := 0
	for b.Loop() {
		sink += s.PickExcluding(r, 0b0101)
	}
	_ = sink
}

func BenchmarkPickExcludingRenormalize(b *testing.B) {
	s := newStrategy(b, strategy.ModeRenormalize, odds...)
	r := strategy.NewRand()
	s.PickExcluding(r, 0b0101) // build and cache the table outside the timing
	b.ReportAllocs()
	sink := 0
	for b.Loop() {
		sink += s.PickExcluding(r, 0b0101)
	}
	_ = sink
}

func BenchmarkPickParallel(b *testing.B) {
	s := newStrategy(b, strategy.ModeRenormalize, odds...)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := strategy.NewRand()
		sink := 0
		for pb.Next() {
			sink += s.PickExcluding(r, 0b0010)
		}
		_ = sink
	})
}

func BenchmarkSimulateMillion(b *testing.B) {
	s := newStrategy(b, strategy.ModeFixed, odds...)
	r := strategy.NewRand()
	b.ReportAllocs()
	for b.Loop() {
		strategy.Simulate(s, draws, r)
	}
}
