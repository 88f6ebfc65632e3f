package strategy_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/strategy"
)

func prize(award int64, p strategy.PPM) strategy.Prize {
	return strategy.Prize{AwardID: award, Probability: p, Stock: 100}
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	slots := func(s ...strategy.ReleaseSlot) *strategy.ReleasePlan {
		return &strategy.ReleasePlan{Kind: strategy.ReleaseSlots, Slots: s}
	}
	with := func(f func(*strategy.Prize)) []strategy.Prize {
		p := prize(1, 10_000)
		f(&p)
		return []strategy.Prize{p}
	}
	tests := []struct {
		name   string
		mode   strategy.Mode
		prizes []strategy.Prize
		field  string
		code   string
	}{
		{"unknown mode", "weighted", []strategy.Prize{prize(1, 1)}, "mode", check.CodeUnknown},
		{"empty mode", "", []strategy.Prize{prize(1, 1)}, "mode", check.CodeUnknown},
		{"no prizes", strategy.ModeFixed, nil, "prizes", check.CodeRequired},
		{"too many prizes", strategy.ModeFixed, make65(), "prizes", check.CodeTooMany},
		{"zero probability", strategy.ModeFixed, with(func(p *strategy.Prize) { p.Probability = 0 }), "prizes[0].probability", check.CodeOutOfRange},
		{"negative probability", strategy.ModeFixed, with(func(p *strategy.Prize) { p.Probability = -1 }), "prizes[0].probability", check.CodeOutOfRange},
		{"probability above one", strategy.ModeFixed, with(func(p *strategy.Prize) { p.Probability = strategy.One + 1 }), "prizes[0].probability", check.CodeOutOfRange},
		{"sum above one", strategy.ModeFixed, []strategy.Prize{prize(1, 600_000), prize(2, 400_001)}, "prizes", check.CodeSumExceedsOne},
		{"negative stock", strategy.ModeFixed, with(func(p *strategy.Prize) { p.Stock = -1 }), "prizes[0].stock", check.CodeOutOfRange},
		{"negative daily quota", strategy.ModeFixed, with(func(p *strategy.Prize) { p.DailyQuota = -1 }), "prizes[0].daily_quota", check.CodeOutOfRange},
		{"missing award", strategy.ModeFixed, with(func(p *strategy.Prize) { p.AwardID = 0 }), "prizes[0].award_id", check.CodeRequired},
		{"negative award", strategy.ModeFixed, with(func(p *strategy.Prize) { p.AwardID = -3 }), "prizes[0].award_id", check.CodeOutOfRange},
		{"negative id", strategy.ModeFixed, with(func(p *strategy.Prize) { p.ID = -3 }), "prizes[0].id", check.CodeOutOfRange},
		{"duplicate id", strategy.ModeFixed, []strategy.Prize{{ID: 9, AwardID: 1, Probability: 1}, {ID: 9, AwardID: 2, Probability: 1}}, "prizes[1].id", check.CodeDuplicate},
		{"unknown plan", strategy.ModeFixed, with(func(p *strategy.Prize) { p.Release = &strategy.ReleasePlan{Kind: "burst"} }), "prizes[0].release.plan", check.CodeUnknown},
		{"even plan with slots", strategy.ModeFixed, with(func(p *strategy.Prize) {
			p.Release = &strategy.ReleasePlan{Kind: strategy.ReleaseEven, Slots: []strategy.ReleaseSlot{{At: t0, Amount: 1}}}
		}), "prizes[0].release.slots", check.CodeNotAllowed},
		{"slots plan without slots", strategy.ModeFixed, with(func(p *strategy.Prize) { p.Release = slots() }), "prizes[0].release.slots", check.CodeRequired},
		{"slot without time", strategy.ModeFixed, with(func(p *strategy.Prize) { p.Release = slots(strategy.ReleaseSlot{Amount: 1}) }), "prizes[0].release.slots[0].at", check.CodeRequired},
		{"unsorted slots", strategy.ModeFixed, with(func(p *strategy.Prize) {
			p.Release = slots(strategy.ReleaseSlot{At: t0.Add(time.Hour), Amount: 1}, strategy.ReleaseSlot{At: t0, Amount: 1})
		}), "prizes[0].release.slots[1].at", check.CodeUnsorted},
		{"equal slot times", strategy.ModeFixed, with(func(p *strategy.Prize) {
			p.Release = slots(strategy.ReleaseSlot{At: t0, Amount: 1}, strategy.ReleaseSlot{At: t0, Amount: 1})
		}), "prizes[0].release.slots[1].at", check.CodeUnsorted},
		{"zero amount", strategy.ModeFixed, with(func(p *strategy.Prize) { p.Release = slots(strategy.ReleaseSlot{At: t0, Amount: 0}) }), "prizes[0].release.slots[0].amount", check.CodeOutOfRange},
		{"slots exceed stock", strategy.ModeFixed, with(func(p *strategy.Prize) {
			p.Release = slots(strategy.ReleaseSlot{At: t0, Amount: 60}, strategy.ReleaseSlot{At: t0.Add(time.Hour), Amount: 41})
		}), "prizes[0].release.slots", check.CodeExceedsStock},
		{"slots overflow", strategy.ModeFixed, with(func(p *strategy.Prize) {
			p.Stock = 1 << 62
			p.Release = slots(strategy.ReleaseSlot{At: t0, Amount: 1 << 62}, strategy.ReleaseSlot{At: t0.Add(time.Hour), Amount: 1 << 62})
		}), "prizes[0].release.slots", check.CodeExceedsStock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := strategy.New(tt.mode, tt.prizes)
			require.ErrorIs(t, err, check.ErrInvalid)
			assert.Nil(t, s)
			assert.Contains(t, fieldCodes(err), tt.field+" "+tt.code)
		})
	}
}

func make65() []strategy.Prize {
	out := make([]strategy.Prize, 65)
	for i := range out {
		out[i] = prize(int64(i+1), 1)
	}
	return out
}

func fieldCodes(err error) []string {
	var out []string
	for _, p := range check.Problems(err) {
		out = append(out, p.Field+" "+p.Code)
	}
	return out
}

func TestNewReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := strategy.New("bogus", []strategy.Prize{
		{AwardID: 0, Probability: 0, Stock: -1},
		{AwardID: 2, Probability: strategy.One, DailyQuota: -1},
	})
	assert.ElementsMatch(t, []string{
		"mode unknown",
		"prizes[0].award_id required",
		"prizes[0].probability out_of_range",
		"prizes[0].stock out_of_range",
		"prizes[1].daily_quota out_of_range",
	}, fieldCodes(err))
}

func TestNewAccepts(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	in := []strategy.Prize{
		{ID: 11, AwardID: 1, Probability: 10_000, Stock: 100, DailyQuota: 10, Release: &strategy.ReleasePlan{Kind: strategy.ReleaseEven}},
		{ID: 12, AwardID: 2, Probability: 200_000, Stock: 0},
		{AwardID: 3, Probability: 790_000, Stock: 5, Release: &strategy.ReleasePlan{
			Kind: strategy.ReleaseSlots, Slots: []strategy.ReleaseSlot{{At: t0, Amount: 2}, {At: t0.Add(time.Hour), Amount: 3}},
		}},
	}
	s, err := strategy.New(strategy.ModeRenormalize, in)
	require.NoError(t, err)
	assert.Equal(t, strategy.ModeRenormalize, s.Mode())
	assert.Equal(t, 3, s.Len())
	assert.Equal(t, strategy.PPM(0), s.NoPrize())
	assert.Equal(t, in, s.Prizes())

	p, ok := s.Prize(12)
	require.True(t, ok)
	assert.Equal(t, int64(2), p.AwardID)
	assert.Equal(t, 1, s.Index(12))
	_, ok = s.Prize(0)
	assert.False(t, ok, "unstored slots are not found by id")
	assert.Equal(t, -1, s.Index(99))
	assert.Equal(t, in[2], s.At(2))
	assert.Equal(t, []float64{1_000, 20_000, 79_000, 0}, s.Expected(100_000))
}

func TestStrategyDoesNotShareMemory(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	in := []strategy.Prize{{AwardID: 1, Probability: 1, Stock: 5, Release: &strategy.ReleasePlan{
		Kind: strategy.ReleaseSlots, Slots: []strategy.ReleaseSlot{{At: t0, Amount: 5}},
	}}}
	s, err := strategy.New(strategy.ModeFixed, in)
	require.NoError(t, err)
	in[0].Probability = 2
	in[0].Release.Slots[0].Amount = 1
	out := s.Prizes()
	out[0].Release.Slots[0].Amount = 3
	got := s.At(0)
	assert.Equal(t, strategy.PPM(1), got.Probability)
	assert.Equal(t, int64(5), got.Release.Slots[0].Amount)
}
