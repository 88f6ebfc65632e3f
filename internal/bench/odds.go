package bench

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/lottery-go/lottery/domain/strategy"
)

// Odds compares the observed prize frequencies of the acknowledged draws with the
// configured probabilities (invariant 6).
type Odds struct {
	Draws      int64        `json:"draws"`
	ChiSquare  float64      `json:"chi_square"`
	DF         int          `json:"df"`
	P          float64      `json:"p_value"`
	Meaningful bool         `json:"meaningful"`
	Note       string       `json:"note"`
	Prizes     []PrizeCount `json:"prizes"`
}

// PrizeCount is one award's observed and expected wins; award "" is "no prize".
type PrizeCount struct {
	AwardID     string  `json:"award_id"`
	Name        string  `json:"name,omitempty"`
	Probability float64 `json:"probability"`
	Expected    float64 `json:"expected"`
	Observed    int64   `json:"observed"`
	Exhausted   bool    `json:"exhausted"`
}

// pValueFloor is the p-value under which observed wins refute the configured odds: one
// run in a thousand fails it even when the odds are right.
const pValueFloor = 0.001

// odds tests wins per award (from the answers) against f's probabilities over draws
// acknowledged draws; names are the awards' names where known. total and worstDay hold
// each prize's wins overall and on its busiest day, from SQL.
func odds(f facts, draws int64, wins map[string]int64, names map[string]string, total, worstDay map[int64]int64) *Odds {
	o := &Odds{Draws: draws, Meaningful: true}
	byAward := map[int64]int{}
	var prizePPM int64
	for _, p := range f.prizes {
		i, ok := byAward[p.awardID]
		if !ok {
			i = len(o.Prizes)
			byAward[p.awardID] = i
			id := strconv.FormatInt(p.awardID, 10)
			o.Prizes = append(o.Prizes, PrizeCount{AwardID: id, Name: names[id], Observed: wins[id]})
		}
		o.Prizes[i].Probability += float64(p.ppm) / 1e6
		prizePPM += p.ppm
		exhausted := total[p.id] >= p.stock || (p.dailyQuota > 0 && worstDay[p.id] >= p.dailyQuota) ||
			(p.released >= 0 && total[p.id] >= p.released)
		if exhausted {
			o.Prizes[i].Exhausted = true
			o.Meaningful = false
		}
	}
	var won int64
	for _, pc := range o.Prizes {
		won += pc.Observed
	}
	o.Prizes = append(o.Prizes, PrizeCount{Probability: 1 - float64(prizePPM)/1e6, Observed: draws - won})
	observed := make([]int64, len(o.Prizes))
	expected := make([]float64, len(o.Prizes))
	for i := range o.Prizes {
		o.Prizes[i].Expected = o.Prizes[i].Probability * float64(draws)
		observed[i], expected[i] = o.Prizes[i].Observed, o.Prizes[i].Expected
	}
	o.ChiSquare, o.DF, o.P = strategy.ChiSquare(observed, expected)
	switch {
	case !o.Meaningful:
		o.Note = "not meaningful: a prize ran out (stock, daily quota or release), which changes the odds by design"
	case draws < 1000:
		o.Meaningful = false
		o.Note = "not meaningful: fewer than 1000 draws"
	case slices.ContainsFunc(o.Prizes, func(p PrizeCount) bool { return p.Expected > 0 && p.Expected < 5 }):
		o.Note = "rough: some prize expects fewer than 5 wins"
	default:
		o.Note = fmt.Sprintf("fit if p > %g", pValueFloor)
	}
	return o
}

// check turns the test into invariant 6's verdict.
func (o *Odds) check() Check {
	name := "6 odds: observed prize frequencies match the configured probabilities"
	detail := fmt.Sprintf("chi-square %.2f, df %d, p = %.4g over %d draws; %s", o.ChiSquare, o.DF, o.P, o.Draws, o.Note)
	switch {
	case !o.Meaningful:
		return Check{Name: name, Status: StatusNotChecked, Detail: detail}
	case o.P <= pValueFloor:
		return Check{Name: name, Status: StatusViolated, Detail: detail}
	}
	return Check{Name: name, Status: StatusOK, Detail: detail}
}
