package strategy_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/domain/strategy"
)

var (
	begin = time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	end   = begin.Add(24 * time.Hour)
)

func TestReleasedByEven(t *testing.T) {
	t.Parallel()
	even := strategy.ReleasePlan{Kind: strategy.ReleaseEven}
	tests := []struct {
		name  string
		stock int64
		at    time.Time
		want  int64
	}{
		{"before begin", 100, begin.Add(-time.Nanosecond), 0},
		{"the first unit at begin", 100, begin, 1},
		{"a quarter in: the 26th unit's share starts", 100, begin.Add(6 * time.Hour), 26},
		{"just before it", 100, begin.Add(6*time.Hour - time.Nanosecond), 25},
		{"half", 101, begin.Add(12 * time.Hour), 51},
		{"the last unit before end", 100, begin.Add(24*time.Hour*99/100 + time.Nanosecond), 100},
		{"just before end", 100, end.Add(-time.Nanosecond), 100},
		{"a single unit, at begin", 1, begin, 1},
		{"three units: the second at a third of the window", 3, begin.Add(8 * time.Hour), 2},
		{"at end", 100, end, 100},
		{"after end", 100, end.Add(time.Hour), 100},
		{"zero stock", 0, begin.Add(12 * time.Hour), 0},
		{"no overflow for huge stock", math.MaxInt64, begin.Add(12 * time.Hour), math.MaxInt64/2 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, even.ReleasedBy(tt.stock, begin, end, tt.at))
		})
	}
}

func TestReleasedBySlots(t *testing.T) {
	t.Parallel()
	plan := strategy.ReleasePlan{Kind: strategy.ReleaseSlots, Slots: []strategy.ReleaseSlot{
		{At: begin, Amount: 10},
		{At: begin.Add(time.Hour), Amount: 20},
		{At: begin.Add(2 * time.Hour), Amount: 30},
	}}
	tests := []struct {
		name  string
		stock int64
		at    time.Time
		want  int64
	}{
		{"before first slot", 100, begin.Add(-time.Nanosecond), 0},
		{"at first slot", 100, begin, 10},
		{"between slots", 100, begin.Add(90 * time.Minute), 30},
		{"all slots", 100, end, 60},
		{"capped at stock", 25, end, 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, plan.ReleasedBy(tt.stock, begin, end, tt.at))
		})
	}
}

func TestReleasedByIsMonotone(t *testing.T) {
	t.Parallel()
	plans := []strategy.ReleasePlan{
		{Kind: strategy.ReleaseEven},
		{Kind: strategy.ReleaseSlots, Slots: []strategy.ReleaseSlot{
			{At: begin.Add(time.Minute), Amount: 7}, {At: begin.Add(3 * time.Hour), Amount: 900},
		}},
	}
	for _, plan := range plans {
		prev := int64(0)
		for at := begin.Add(-time.Hour); at.Before(end.Add(time.Hour)); at = at.Add(97 * time.Second) {
			got := plan.ReleasedBy(777, begin, end, at)
			assert.GreaterOrEqual(t, got, prev, "%s at %s", plan.Kind, at)
			assert.LessOrEqual(t, got, int64(777))
			prev = got
		}
	}
}

func TestPrizeReleasedBy(t *testing.T) {
	t.Parallel()
	all := strategy.Prize{Stock: 40}
	assert.Equal(t, int64(40), all.ReleasedBy(begin, end, begin.Add(-time.Hour)), "no plan: all at once")
	even := strategy.Prize{Stock: 40, Release: &strategy.ReleasePlan{Kind: strategy.ReleaseEven}}
	assert.Equal(t, int64(21), even.ReleasedBy(begin, end, begin.Add(12*time.Hour)), "the 21st unit's share starts half-way")
}

// A window longer than a Duration holds (~292 years) is shared out as evenly, never past
// the stock.
func TestReleasedByEvenOverCenturies(t *testing.T) {
	t.Parallel()
	even := strategy.ReleasePlan{Kind: strategy.ReleaseEven}
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	const stock = 1_000_000
	prev := int64(0)
	for _, years := range []int{0, 146, 300, 3986, 7972} {
		got := even.ReleasedBy(stock, from, to, from.AddDate(years, 0, 0))
		want := int64(float64(stock)*float64(years)/7973) + 1
		assert.InDelta(t, want, got, 2, "after %d years", years)
		assert.GreaterOrEqual(t, got, prev)
		prev = got
	}
	assert.Equal(t, int64(stock), even.ReleasedBy(stock, from, to, to.Add(-time.Millisecond)))
	assert.Equal(t, int64(stock), even.ReleasedBy(stock, from, to, to))
}
