package rest

import (
	"fmt"
	"time"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/strategy"
)

// activityRequest is the activity body of API.md, for POST and PUT /admin/activities.
// Optional numbers are pointers so that "absent" and 0 can be told apart.
type activityRequest struct {
	Name     string        `json:"name"`
	Kind     string        `json:"kind"`
	BeginAt  string        `json:"begin_at"`
	EndAt    string        `json:"end_at"`
	TimeZone string        `json:"time_zone"`
	Stock    *int64        `json:"stock"`
	Limits   *limitsJSON   `json:"limits"`
	Strategy *strategyJSON `json:"strategy"`
	// Version, on PUT, is the version the edit was made on (optional).
	Version int64 `json:"version"`
}

type limitsJSON struct {
	PerUserTotal *int64 `json:"per_user_total,omitempty"`
	PerUserDaily *int64 `json:"per_user_daily,omitempty"`
}

type strategyJSON struct {
	Mode   string      `json:"mode"`
	Prizes []prizeJSON `json:"prizes"`
}

type prizeJSON struct {
	AwardID     string       `json:"award_id"`
	Probability string       `json:"probability"`
	Stock       *int64       `json:"stock"`
	DailyQuota  *int64       `json:"daily_quota,omitempty"`
	Release     *releaseJSON `json:"release,omitempty"`
}

type releaseJSON struct {
	Plan  string     `json:"plan"`
	Slots []slotJSON `json:"slots,omitempty"`
}

type slotJSON struct {
	At     string `json:"at"`
	Amount int64  `json:"amount"`
}

// reader converts wire values, recording what it refuses with its field path.
type reader struct{ refused check.List }

// input converts the request. Whatever cannot be converted is refused with its field
// path and stands in as a zero value; the application reports it with everything else.
func (r activityRequest) input() admin.ActivityInput {
	var rd reader
	in := admin.ActivityInput{
		Name: r.Name, Kind: r.Kind, TimeZone: r.TimeZone,
		BeginAt: rd.time("begin_at", r.BeginAt), EndAt: rd.time("end_at", r.EndAt),
		Stock: rd.required("stock", r.Stock), Version: rd.version(r.Version),
	}
	if r.Limits != nil {
		in.Limits.PerUserTotal = rd.positive("limits.per_user_total", r.Limits.PerUserTotal)
		in.Limits.PerUserDaily = rd.positive("limits.per_user_daily", r.Limits.PerUserDaily)
	}
	if r.Strategy == nil {
		rd.refused.Add("strategy", check.CodeRequired, "strategy is required")
	} else {
		in.Mode = strategy.Mode(r.Strategy.Mode)
		if in.Mode == "" {
			in.Mode = strategy.ModeFixed
		}
		for i, p := range r.Strategy.Prizes {
			in.Prizes = append(in.Prizes, rd.prize(check.Index("strategy.prizes", i), p))
		}
	}
	in.Refused = check.Problems(rd.refused.Err())
	return in
}

// version reads an optional version: positive, or 0 for none.
func (rd *reader) version(v int64) int64 {
	if v < 0 {
		rd.refused.Add("version", check.CodeOutOfRange, "version is the activity's version as read, a positive number")
		return 0
	}
	return v
}

func (rd *reader) prize(path string, p prizeJSON) strategy.Prize {
	out := strategy.Prize{
		AwardID:     rd.id(path+".award_id", p.AwardID),
		Probability: rd.probability(path+".probability", p.Probability),
		Stock:       rd.required(path+".stock", p.Stock),
		DailyQuota:  rd.positive(path+".daily_quota", p.DailyQuota),
	}
	if p.Release != nil {
		plan := &strategy.ReleasePlan{Kind: strategy.ReleaseKind(p.Release.Plan)}
		for j, s := range p.Release.Slots {
			sp := check.Index(path+".release.slots", j)
			plan.Slots = append(plan.Slots, strategy.ReleaseSlot{At: rd.time(sp+".at", s.At), Amount: s.Amount})
		}
		out.Release = plan
	}
	return out
}

// time reads an RFC 3339 time, kept to the microsecond that SQL stores. Empty stays zero
// for the domain to report as required.
func (rd *reader) time(field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		rd.refused.Add(field, check.CodeInvalid, fmt.Sprintf("%s must be an RFC 3339 time such as 2026-11-11T00:00:00+08:00", field))
		return time.Time{}
	}
	t = t.Truncate(time.Microsecond)
	if t.IsZero() {
		// The zero instant is how the domain reads "absent"; this one was written, and is
		// just far too early.
		rd.refused.Add(field, check.CodeOutOfRange, activity.TimeRangeMessage(field))
	}
	return t
}

func (rd *reader) required(field string, n *int64) int64 {
	if n == nil {
		rd.refused.Add(field, check.CodeRequired, field+" is required")
		return 0
	}
	return *n
}

// positive reads an optional limit: absent means none, a given value must be at least 1,
// because "0 draws per day" is almost certainly a mistake and not a way to say unlimited.
func (rd *reader) positive(field string, n *int64) int64 {
	if n == nil {
		return 0
	}
	if *n < 1 {
		rd.refused.Add(field, check.CodeOutOfRange, field+" must be at least 1; leave it out for no limit")
		return 0
	}
	return *n
}

func (rd *reader) id(field, s string) int64 {
	if s == "" {
		return 0
	}
	n, ok := canonicalID(s)
	if !ok {
		rd.refused.Add(field, check.CodeInvalid, field+" must be an id: a positive integer in a string")
		return 0
	}
	return n
}

func (rd *reader) probability(field, s string) strategy.PPM {
	if s == "" {
		rd.refused.Add(field, check.CodeRequired, field+` is required, as a decimal string such as "0.015"`)
		return 0
	}
	p, err := strategy.ParsePPM(s)
	if err != nil {
		rd.refused.Add(field, strategy.ParseProblemCode(err), fmt.Sprintf("%s: %v (at most 6 decimal places, between 0 and 1)", field, err))
		return 0
	}
	return p
}

// transitionRequest is the body of POST /admin/activities/{id}/transitions.
type transitionRequest struct {
	Action string `json:"action"`
	Reason string `json:"reason"`
	// Version is the version the actor saw (optional): an activity changed since is
	// refused with 409 concurrent_change instead of acted on.
	Version int64 `json:"version"`
}

// simulateRequest is the body of POST /admin/activities/{id}/simulate.
type simulateRequest struct {
	Draws int `json:"draws"`
}
