package activity_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/strategy"
)

func TestNew(t *testing.T) {
	t.Parallel()
	p := validParams(t)
	a, err := activity.New(42, p, "alice", created)
	require.NoError(t, err)
	assert.Equal(t, int64(42), a.ID())
	assert.Equal(t, "Double 11 wheel", a.Name())
	assert.Equal(t, activity.KindLottery, a.Kind(), "kind defaults to lottery")
	assert.Equal(t, begin, a.BeginAt())
	assert.Equal(t, end, a.EndAt())
	assert.Equal(t, "Asia/Shanghai", a.TimeZone())
	assert.Equal(t, "Asia/Shanghai", a.Location().String())
	assert.Equal(t, int64(100_000), a.Stock())
	assert.Equal(t, activity.Limits{PerUserTotal: 5, PerUserDaily: 1}, a.Limits())
	assert.Same(t, p.Strategy, a.Strategy())
	assert.Equal(t, activity.StateDraft, a.State())
	assert.Equal(t, "alice", a.CreatedBy())
	assert.Equal(t, created, a.CreatedAt())
	assert.Equal(t, created, a.UpdatedAt())
	assert.Zero(t, a.Version())
	assert.Equal(t, "Double 11 wheel", a.Params().Name)
}

// slotsOutside gives prize 1 slots before, inside and at the end of the window.
func slotsOutside(t *testing.T, p *activity.Params) {
	p.Strategy = newStrategy(t,
		strategy.Prize{AwardID: 1, Probability: 1, Stock: 10},
		strategy.Prize{AwardID: 2, Probability: 1, Stock: 10, Release: &strategy.ReleasePlan{
			Kind: strategy.ReleaseSlots,
			Slots: []strategy.ReleaseSlot{
				{At: begin.Add(-time.Second), Amount: 1}, {At: begin.Add(time.Hour), Amount: 1}, {At: end, Amount: 1},
			},
		}})
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		id        int64
		createdBy string
		edit      func(t *testing.T, p *activity.Params)
		want      string
	}{
		{"zero id", 0, "alice", nil, "id required"},
		{"no creator", 1, "", nil, "created_by required"},
		{"blank name", 1, "alice", func(_ *testing.T, p *activity.Params) { p.Name = " " }, "name required"},
		{"long name", 1, "alice", func(_ *testing.T, p *activity.Params) { p.Name = strings.Repeat("活", 101) }, "name too_long"},
		{"bad kind", 1, "alice", func(_ *testing.T, p *activity.Params) { p.Kind = "Big Wheel" }, "kind invalid"},
		{"no begin", 1, "alice", func(_ *testing.T, p *activity.Params) { p.BeginAt = time.Time{} }, "begin_at required"},
		{"no end", 1, "alice", func(_ *testing.T, p *activity.Params) { p.EndAt = time.Time{} }, "end_at required"},
		{"end before begin", 1, "alice", func(_ *testing.T, p *activity.Params) { p.EndAt = begin.Add(-time.Second) }, "end_at out_of_range"},
		{"empty window", 1, "alice", func(_ *testing.T, p *activity.Params) { p.EndAt = begin }, "end_at out_of_range"},
		{"no zone", 1, "alice", func(_ *testing.T, p *activity.Params) { p.TimeZone = "" }, "time_zone required"},
		{"unknown zone", 1, "alice", func(_ *testing.T, p *activity.Params) { p.TimeZone = "Mars/Olympus" }, "time_zone invalid_time_zone"},
		{"local zone", 1, "alice", func(_ *testing.T, p *activity.Params) { p.TimeZone = "Local" }, "time_zone invalid_time_zone"},
		{"offset is not a zone", 1, "alice", func(_ *testing.T, p *activity.Params) { p.TimeZone = "+08:00" }, "time_zone invalid_time_zone"},
		{"negative stock", 1, "alice", func(_ *testing.T, p *activity.Params) { p.Stock = -1 }, "stock out_of_range"},
		{"negative total", 1, "alice", func(_ *testing.T, p *activity.Params) { p.Limits = activity.Limits{PerUserTotal: -1} }, "limits.per_user_total out_of_range"},
		{"negative daily", 1, "alice", func(_ *testing.T, p *activity.Params) { p.Limits = activity.Limits{PerUserDaily: -1} }, "limits.per_user_daily out_of_range"},
		{"daily above total", 1, "alice", func(_ *testing.T, p *activity.Params) { p.Limits = activity.Limits{PerUserTotal: 2, PerUserDaily: 3} }, "limits.per_user_daily exceeds_total"},
		{"no strategy", 1, "alice", func(_ *testing.T, p *activity.Params) { p.Strategy = nil }, "strategy required"},
		{"slot before window", 1, "alice", slotsOutside, "strategy.prizes[1].release.slots[0].at out_of_range"},
		{"slot at end of window", 1, "alice", slotsOutside, "strategy.prizes[1].release.slots[2].at out_of_range"},
		{"slots below the stock", 1, "alice", slotsOutside, "strategy.prizes[1].release.slots below_stock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := validParams(t)
			if tt.edit != nil {
				tt.edit(t, &p)
			}
			a, err := activity.New(tt.id, p, tt.createdBy, created)
			require.ErrorIs(t, err, check.ErrInvalid)
			assert.Nil(t, a)
			assert.Contains(t, fieldCodes(err), tt.want)
		})
	}
}

func TestNewAcceptsEdgeValues(t *testing.T) {
	t.Parallel()
	p := validParams(t)
	p.Kind = "scratch_card"
	p.Stock = 1
	p.TimeZone = "UTC"
	p.Limits = activity.Limits{PerUserDaily: 3}                                               // daily without total
	p.Strategy = newStrategy(t, strategy.Prize{AwardID: 1, Probability: 1, Stock: 1_000_000}) // above activity stock
	_, err := activity.New(1, p, "alice", created)
	require.NoError(t, err)
	p.Limits = activity.Limits{PerUserTotal: 3, PerUserDaily: 3}
	_, err = activity.New(1, p, "alice", created)
	require.NoError(t, err)
}

func TestNewReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := activity.New(1, activity.Params{Stock: -5, TimeZone: "Nowhere/City"}, "alice", created)
	assert.ElementsMatch(t, []string{
		"name required", "begin_at required", "end_at required", "time_zone invalid_time_zone",
		"stock out_of_range", "strategy required",
	}, fieldCodes(err))
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	for _, s := range activity.States {
		t.Run(string(s), func(t *testing.T) {
			t.Parallel()
			a := inState(t, s)
			p := validParams(t)
			p.Name = "renamed"
			p.TimeZone = "Europe/Berlin"
			later := created.Add(time.Hour)
			err := a.Update(p, "alice", later)
			if s != activity.StateDraft && s != activity.StateRejected {
				require.ErrorIs(t, err, activity.ErrNotEditable)
				assert.Equal(t, "Double 11 wheel", a.Name())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "renamed", a.Name())
			assert.Equal(t, "Europe/Berlin", a.Location().String())
			assert.Equal(t, later, a.UpdatedAt())
			assert.Equal(t, s, a.State(), "editing does not change the state")
		})
	}
}

func TestUpdateRevalidates(t *testing.T) {
	t.Parallel()
	a := inState(t, activity.StateDraft)
	p := validParams(t)
	p.Name = ""
	require.ErrorIs(t, a.Update(p, "alice", created), check.ErrInvalid)
	assert.Equal(t, "Double 11 wheel", a.Name(), "a failed update changes nothing")
}

func TestUnmarshalFromDatabase(t *testing.T) {
	t.Parallel()
	p := validParams(t)
	p.TimeZone = "Gone/Zone"
	a := activity.UnmarshalFromDatabase(9, p, activity.StatePaused, "bob", "", created, created.Add(time.Minute), 12)
	assert.Equal(t, time.UTC, a.Location(), "an unloadable zone falls back to UTC")
	assert.Equal(t, activity.StatePaused, a.State())
	assert.Equal(t, int64(12), a.Version())
	assert.Equal(t, "bob", a.CreatedBy())
	assert.Equal(t, created.Add(time.Minute), a.UpdatedAt())
}

// A name is stored as shown in lists: without the spaces around it.
func TestNamesAreTrimmed(t *testing.T) {
	t.Parallel()
	p := validParams(t)
	p.Name = "  Double 11  "
	a, err := activity.New(1, p, "alice", created)
	require.NoError(t, err)
	assert.Equal(t, "Double 11", a.Name())
	p.Name = " Double 12\t"
	require.NoError(t, a.Update(p, "alice", created))
	assert.Equal(t, "Double 12", a.Name())
}

// A window that has already ended is refused when the activity is written, with the field
// named, rather than at its first submit; another end_at problem is not doubled.
func TestAnEndedWindowIsRefusedWhenWritten(t *testing.T) {
	t.Parallel()
	p := validParams(t)
	_, err := activity.New(1, p, "alice", end)
	assert.Equal(t, []check.Problem{{Field: "end_at", Code: check.CodeOutOfRange,
		Message: "end_at has passed: an activity's window must end in the future"}}, check.Problems(err))

	a, err := activity.New(1, p, "alice", end.Add(-time.Nanosecond))
	require.NoError(t, err)
	assert.ErrorIs(t, a.Update(p, "alice", end.Add(time.Hour)), check.ErrInvalid)
	assert.Equal(t, "Double 11 wheel", a.Name(), "nothing changed")
	later := p
	later.EndAt = end.Add(48 * time.Hour)
	require.NoError(t, a.Update(later, "alice", end.Add(time.Hour)), "a draft whose window ended is mended by a later end_at")

	p.EndAt = p.BeginAt.Add(-time.Hour)
	_, err = activity.New(1, p, "alice", end.Add(time.Hour))
	assert.Equal(t, []string{"end_at out_of_range"}, fieldCodes(err), "an end before begin is named once")
}
