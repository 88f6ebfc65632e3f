package rest

import (
	"maps"
	"math"
	"slices"

	"github.com/lottery-go/lottery/application/admin"
)

// statsResponse: the SQL part counts committed orders; "live" is the draw engine's view,
// present only when its counters are loaded, with live_error when they could not be read.
type statsResponse struct {
	ActivityID string          `json:"activity_id"`
	State      string          `json:"state"`
	Draws      int64           `json:"draws"`
	Stock      int64           `json:"stock"`
	StockLeft  int64           `json:"stock_left"`
	Prizes     []prizeStatJSON `json:"prizes"`
	Live       *liveJSON       `json:"live,omitempty"`
	LiveError  string          `json:"live_error,omitempty"`
}

type prizeStatJSON struct {
	PrizeID   string `json:"prize_id"`
	AwardID   string `json:"award_id"`
	Stock     int64  `json:"stock"`
	Wins      int64  `json:"wins"`
	StockLeft int64  `json:"stock_left"`
}

type liveJSON struct {
	StockLeft int64          `json:"stock_left"`
	Drift     int64          `json:"drift"`
	Prizes    []livePoolJSON `json:"prizes"`
}

type livePoolJSON struct {
	PrizeID  string `json:"prize_id"`
	PoolLeft int64  `json:"pool_left"`
}

func statsJSON(s admin.Stats) statsResponse {
	out := statsResponse{
		ActivityID: idString(s.Activity.ID()), State: string(s.Activity.State()),
		Draws: s.Draws, Stock: s.Activity.Stock(), StockLeft: s.StockLeft,
		Prizes: make([]prizeStatJSON, 0, len(s.Prizes)), LiveError: s.LiveError,
	}
	for _, p := range s.Prizes {
		out.Prizes = append(out.Prizes, prizeStatJSON{
			PrizeID: idString(p.Prize.ID), AwardID: idString(p.Prize.AwardID),
			Stock: p.Prize.Stock, Wins: p.Wins, StockLeft: p.StockLeft,
		})
	}
	if s.Live != nil {
		out.Live = &liveJSON{StockLeft: s.Live.StockLeft, Drift: s.Live.Drift, Prizes: []livePoolJSON{}}
		for _, id := range slices.Sorted(maps.Keys(s.Live.PoolLeft)) {
			out.Live.Prizes = append(out.Live.Prizes, livePoolJSON{PrizeID: idString(id), PoolLeft: s.Live.PoolLeft[id]})
		}
	}
	return out
}

// simulationResponse compares simulated draws with the odds, per prize and for "no prize".
type simulationResponse struct {
	Draws     int           `json:"draws"`
	Prizes    []outcomeJSON `json:"prizes"`
	NoPrize   outcomeJSON   `json:"no_prize"`
	ChiSquare *float64      `json:"chi_square"`
	DF        int           `json:"df"`
	PValue    float64       `json:"p_value"`
}

type outcomeJSON struct {
	PrizeID      string  `json:"prize_id,omitempty"`
	AwardID      string  `json:"award_id,omitempty"`
	Probability  string  `json:"probability"`
	Expected     float64 `json:"expected"`
	Observed     int64   `json:"observed"`
	ExpectedRate float64 `json:"expected_rate"`
	ObservedRate float64 `json:"observed_rate"`
}

func simulationJSON(s admin.Simulation) simulationResponse {
	out := simulationResponse{Draws: s.Draws, DF: s.DF, PValue: s.PValue, Prizes: []outcomeJSON{}}
	// An outcome observed although its expected count is 0 makes the statistic infinite,
	// which JSON cannot carry: it is shown as null next to a p-value of 0.
	if !math.IsInf(s.ChiSquare, 0) {
		out.ChiSquare = &s.ChiSquare
	}
	for _, o := range s.Outcomes {
		j := outcomeJSON{
			Probability: o.Probability.String(), Expected: o.Expected, Observed: o.Observed,
			ExpectedRate: o.Probability.Float(), ObservedRate: float64(o.Observed) / float64(s.Draws),
		}
		if o.PrizeID == 0 {
			out.NoPrize = j
			continue
		}
		j.PrizeID, j.AwardID = idString(o.PrizeID), idString(o.AwardID)
		out.Prizes = append(out.Prizes, j)
	}
	return out
}
