package activity_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/strategy"
)

// at parses an RFC 3339 time the way the REST layer does.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return v
}

// TestWindowYears: a time outside the years 2000–9999, in UTC (as stored) or in the
// activity's zone (as shown), cannot be stored or shown, so it is refused up front.
func TestWindowYears(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, begin, end, zone string
		want                   []string // field codes; empty means accepted
	}{
		{"end in year 10000 in UTC", "2026-11-11T00:00:00Z", "9999-12-31T23:59:59-05:00", "UTC", []string{"end_at out_of_range"}},
		{"end in year 10000 in the zone", "2026-11-11T00:00:00Z", "9999-12-31T23:59:59Z", "Asia/Shanghai", []string{"end_at out_of_range"}},
		{"begin in year 0 in UTC", "0001-01-01T00:00:00+05:00", "2026-11-12T00:00:00Z", "UTC", []string{"begin_at out_of_range"}},
		{"begin in year 1", "0001-01-01T00:00:01Z", "2026-11-12T00:00:00Z", "UTC", []string{"begin_at out_of_range"}},
		{"begin in 1999 in the zone", "2000-01-01T00:00:00Z", "2026-11-12T00:00:00Z", "America/New_York", []string{"begin_at out_of_range"}},
		{"both out of range", "1999-12-31T23:59:59Z", "9999-12-31T20:00:00-04:00", "UTC", []string{"begin_at out_of_range", "end_at out_of_range"}},
		{"unknown zone still checks UTC", "2026-11-11T00:00:00Z", "9999-12-31T23:59:59-05:00", "Mars/Olympus",
			[]string{"end_at out_of_range", "time_zone invalid_time_zone"}},
		{"earliest and latest in UTC", "2000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "UTC", nil},
		{"earliest and latest in Shanghai", "2000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999+08:00", "Asia/Shanghai", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := validParams(t)
			p.BeginAt, p.EndAt, p.TimeZone = at(t, tt.begin), at(t, tt.end), tt.zone
			a, err := activity.New(1, p, "alice", created)
			if len(tt.want) == 0 {
				require.NoError(t, err)
				_, err = a.BeginAt().In(a.Location()).MarshalJSON()
				require.NoError(t, err, "shown in its zone")
				_, err = a.EndAt().In(a.Location()).MarshalJSON()
				require.NoError(t, err, "shown in its zone")
				return
			}
			require.ErrorIs(t, err, check.ErrInvalid)
			assert.Equal(t, tt.want, fieldCodes(err))
		})
	}
}

func TestWindowYearsMessage(t *testing.T) {
	t.Parallel()
	p := validParams(t)
	p.EndAt = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
	_, err := activity.New(1, p, "alice", created)
	assert.Equal(t, []check.Problem{{Field: "end_at", Code: check.CodeOutOfRange,
		Message: "end_at must lie in the years 2000 to 9999, both in UTC and in the activity's time zone"}},
		check.Problems(err))
}

// TestUpdateChecksWindowYears: PUT is held to the same rules as POST.
func TestUpdateChecksWindowYears(t *testing.T) {
	t.Parallel()
	a := inState(t, activity.StateDraft)
	p := validParams(t)
	p.TimeZone = "UTC"
	p.EndAt = time.Date(10000, 1, 1, 4, 59, 59, 0, time.UTC)
	err := a.Update(p, "alice", created)
	require.ErrorIs(t, err, check.ErrInvalid)
	assert.Equal(t, []string{"end_at out_of_range"}, fieldCodes(err))
	assert.Equal(t, end, a.EndAt(), "a failed update changes nothing")
}

// TestNothingToDraw: an activity or prize without stock could never serve a draw.
func TestNothingToDraw(t *testing.T) {
	t.Parallel()
	t.Run("activity", func(t *testing.T) {
		t.Parallel()
		p := validParams(t)
		p.Stock = 0
		_, err := activity.New(1, p, "alice", created)
		assert.Equal(t, []check.Problem{{Field: "stock", Code: check.CodeOutOfRange,
			Message: "stock must be at least 1: it is the number of draws the activity can serve"}}, check.Problems(err))
	})
	t.Run("prize", func(t *testing.T) {
		t.Parallel()
		p := validParams(t)
		p.Strategy = newStrategy(t,
			strategy.Prize{AwardID: 1, Probability: 10_000, Stock: 5},
			strategy.Prize{AwardID: 2, Probability: 10_000, Stock: 0})
		_, err := activity.New(1, p, "alice", created)
		assert.Equal(t, []string{"strategy.prizes[1].stock out_of_range"}, fieldCodes(err))
		a := inState(t, activity.StateRejected)
		assert.Equal(t, []string{"strategy.prizes[1].stock out_of_range"}, fieldCodes(a.Update(p, "alice", created)))
	})
}

// Counts above a trillion are refused: Redis's scripts count in doubles, and clients in
// JSON numbers, exact only up to 2^53.
func TestCountsHaveAnUpperBound(t *testing.T) {
	t.Parallel()
	p := validParams(t)
	huge := int64(activity.MaxCount) + 1
	p.Stock = huge
	p.Limits = activity.Limits{PerUserTotal: huge, PerUserDaily: huge}
	p.Strategy = newStrategy(t, strategy.Prize{AwardID: 1, Probability: 10_000, Stock: huge, DailyQuota: huge})
	_, err := activity.New(1, p, "alice", created)
	assert.Equal(t, []string{"stock out_of_range", "limits.per_user_total out_of_range", "limits.per_user_daily out_of_range",
		"strategy.prizes[0].stock out_of_range", "strategy.prizes[0].daily_quota out_of_range"}, fieldCodes(err))
	assert.Contains(t, check.Problems(err)[0].Message, "stock must be at most 1000000000000")

	p = validParams(t)
	p.Stock = activity.MaxCount
	_, err = activity.New(1, p, "alice", created)
	assert.NoError(t, err, "a trillion itself is fine")
}
