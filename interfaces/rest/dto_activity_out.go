package rest

import (
	"strconv"
	"time"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/strategy"
)

// activityResponse is the activity body of API.md plus what the server knows about it.
// Times are shown in the activity's own zone, as a marketer wrote them. Transitions, the
// review trail, is present (possibly empty) on single-activity responses only.
type activityResponse struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	Kind        string              `json:"kind"`
	BeginAt     time.Time           `json:"begin_at"`
	EndAt       time.Time           `json:"end_at"`
	TimeZone    string              `json:"time_zone"`
	Stock       int64               `json:"stock"`
	Limits      limitsJSON          `json:"limits"`
	Strategy    strategyResponse    `json:"strategy"`
	State       string              `json:"state"`
	CreatedBy   string              `json:"created_by"`
	CreatedAt   time.Time           `json:"created_at"`
	UpdatedAt   time.Time           `json:"updated_at"`
	Version     int64               `json:"version"`
	Transitions *[]transitionRecord `json:"transitions,omitempty"`
}

type strategyResponse struct {
	Mode   string          `json:"mode"`
	Prizes []prizeResponse `json:"prizes"`
}

type prizeResponse struct {
	ID          string         `json:"id"`
	AwardID     string         `json:"award_id"`
	Probability string         `json:"probability"`
	Stock       int64          `json:"stock"`
	DailyQuota  int64          `json:"daily_quota,omitempty"`
	Release     *releaseRecord `json:"release,omitempty"`
}

type releaseRecord struct {
	Plan  string       `json:"plan"`
	Slots []slotRecord `json:"slots,omitempty"`
}

type slotRecord struct {
	At     time.Time `json:"at"`
	Amount int64     `json:"amount"`
}

type transitionRecord struct {
	Action string    `json:"action"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

func activityJSON(a *activity.Activity) activityResponse {
	loc := a.Location()
	lim := a.Limits()
	return activityResponse{
		ID: idString(a.ID()), Name: a.Name(), Kind: a.Kind(),
		BeginAt: a.BeginAt().In(loc), EndAt: a.EndAt().In(loc), TimeZone: a.TimeZone(),
		Stock:    a.Stock(),
		Limits:   limitsJSON{PerUserTotal: optional(lim.PerUserTotal), PerUserDaily: optional(lim.PerUserDaily)},
		Strategy: strategyJSONOf(a.Strategy(), loc),
		State:    string(a.State()), CreatedBy: a.CreatedBy(),
		CreatedAt: a.CreatedAt().UTC(), UpdatedAt: a.UpdatedAt().UTC(), Version: a.Version(),
	}
}

func activityWithTrail(a *activity.Activity, trail []activity.TrailEntry) activityResponse {
	out := activityJSON(a)
	records := make([]transitionRecord, len(trail))
	for i, e := range trail {
		records[i] = transitionRecord{
			Action: string(e.Action), From: string(e.From), To: string(e.To),
			Actor: e.Actor, Reason: e.Reason, At: e.At.UTC(),
		}
	}
	out.Transitions = &records
	return out
}

func strategyJSONOf(s *strategy.Strategy, loc *time.Location) strategyResponse {
	out := strategyResponse{Mode: string(s.Mode()), Prizes: make([]prizeResponse, 0, s.Len())}
	for _, p := range s.Prizes() {
		pr := prizeResponse{
			ID: idString(p.ID), AwardID: idString(p.AwardID), Probability: p.Probability.String(),
			Stock: p.Stock, DailyQuota: p.DailyQuota,
		}
		if p.Release != nil {
			pr.Release = &releaseRecord{Plan: string(p.Release.Kind)}
			for _, sl := range p.Release.Slots {
				pr.Release.Slots = append(pr.Release.Slots, slotRecord{At: sl.At.In(loc), Amount: sl.Amount})
			}
		}
		out.Prizes = append(out.Prizes, pr)
	}
	return out
}

// optional shows an unlimited (0) limit as absent, the way it is written.
func optional(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }
