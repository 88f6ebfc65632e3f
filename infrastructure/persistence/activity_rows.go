package persistence

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/strategy"
)

// releaseJSON is how a release plan is kept in prize_slots.release_plan; an empty column
// means no plan (the whole stock is available at once).
type releaseJSON struct {
	Plan  string     `json:"plan"`
	Slots []slotJSON `json:"slots,omitempty"`
}

type slotJSON struct {
	At     time.Time `json:"at"`
	Amount int64     `json:"amount"`
}

func encodeRelease(p *strategy.ReleasePlan) (string, error) {
	if p == nil {
		return "", nil
	}
	r := releaseJSON{Plan: string(p.Kind)}
	for _, s := range p.Slots {
		r.Slots = append(r.Slots, slotJSON{At: s.At.UTC(), Amount: s.Amount})
	}
	b, err := json.Marshal(r)
	return string(b), err
}

func decodeRelease(s string) (*strategy.ReleasePlan, error) {
	if s == "" {
		return nil, nil
	}
	var r releaseJSON
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nil, err
	}
	p := &strategy.ReleasePlan{Kind: strategy.ReleaseKind(r.Plan)}
	for _, sl := range r.Slots {
		p.Slots = append(p.Slots, strategy.ReleaseSlot{At: sl.At, Amount: sl.Amount})
	}
	return p, nil
}

func toActivityRow(a *activity.Activity) activityRow {
	return activityRow{
		ID: a.ID(), Name: a.Name(), Kind: a.Kind(), State: string(a.State()),
		BeginAt: a.BeginAt().UTC(), EndAt: a.EndAt().UTC(), TimeZone: a.TimeZone(),
		Stock: a.Stock(), PerUserTotal: a.Limits().PerUserTotal, PerUserDaily: a.Limits().PerUserDaily,
		CreatedBy: a.CreatedBy(), EditedBy: a.EditedBy(), Version: a.Version(),
		CreatedAt: a.CreatedAt().UTC(), UpdatedAt: a.UpdatedAt().UTC(),
	}
}

func toPrizeRows(activityID, strategyID int64, s *strategy.Strategy) ([]prizeSlotRow, error) {
	rows := make([]prizeSlotRow, 0, s.Len())
	for i, p := range s.Prizes() {
		plan, err := encodeRelease(p.Release)
		if err != nil {
			return nil, fmt.Errorf("encode release plan of prize %d: %w", p.ID, err)
		}
		rows = append(rows, prizeSlotRow{
			ID: p.ID, StrategyID: strategyID, ActivityID: activityID, Position: i,
			AwardID: p.AwardID, ProbabilityPPM: int64(p.Probability), Stock: p.Stock,
			DailyQuota: p.DailyQuota, ReleasePlan: plan,
		})
	}
	return rows, nil
}

// fromActivityRows rebuilds an activity; prizes must be in position order. The strategy
// goes through strategy.New because its sampling tables have to be built anyway.
func fromActivityRows(r activityRow, st strategyRow, prizes []prizeSlotRow) (*activity.Activity, error) {
	slots := make([]strategy.Prize, 0, len(prizes))
	for _, p := range prizes {
		plan, err := decodeRelease(p.ReleasePlan)
		if err != nil {
			return nil, fmt.Errorf("decode release plan of prize %d: %w", p.ID, err)
		}
		slots = append(slots, strategy.Prize{
			ID: p.ID, AwardID: p.AwardID, Probability: strategy.PPM(p.ProbabilityPPM),
			Stock: p.Stock, DailyQuota: p.DailyQuota, Release: plan,
		})
	}
	s, err := strategy.New(strategy.Mode(st.Mode), slots)
	if err != nil {
		// %v, not %w: stored data that fails validation is a server fault, and must not
		// reach the client as if its request had been invalid.
		return nil, fmt.Errorf("load strategy of activity %d: %v", r.ID, err)
	}
	s.StoredAs(st.ID)
	params := activity.Params{
		Name: r.Name, Kind: r.Kind, BeginAt: r.BeginAt, EndAt: r.EndAt, TimeZone: r.TimeZone,
		Stock: r.Stock, Limits: activity.Limits{PerUserTotal: r.PerUserTotal, PerUserDaily: r.PerUserDaily},
		Strategy: s,
	}
	return activity.UnmarshalFromDatabase(r.ID, params, activity.State(r.State), r.CreatedBy, r.EditedBy,
		r.CreatedAt, r.UpdatedAt, r.Version), nil
}
