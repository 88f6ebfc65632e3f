package admin

import (
	"context"
	"fmt"

	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/strategy"
)

// MaxSimulatedDraws bounds one simulation: 10⁷ alias draws take well under a second.
const MaxSimulatedDraws = 10_000_000

// Simulation compares simulated draws with the configured odds.
type Simulation struct {
	Draws int
	// Outcomes are the prize slots in draw order, then "no prize" (PrizeID 0).
	Outcomes  []Outcome
	ChiSquare float64
	DF        int
	PValue    float64
}

// Outcome is one category of a simulation.
type Outcome struct {
	PrizeID     int64
	AwardID     int64
	Probability strategy.PPM
	Expected    float64
	Observed    int64
}

// Simulate draws n times from the activity's strategy with every prize available and
// tests the counts against the odds. Nothing is stored or counted anywhere.
func (s *Service) Simulate(ctx context.Context, id int64, n int) (Simulation, error) {
	if n < 1 || n > MaxSimulatedDraws {
		var l check.List
		l.Add("draws", check.CodeOutOfRange, fmt.Sprintf("draws must be between 1 and %d", MaxSimulatedDraws))
		return Simulation{}, l.Err()
	}
	a, err := s.d.Activities.Get(ctx, id)
	if err != nil {
		return Simulation{}, err
	}
	st := a.Strategy()
	observed := strategy.Simulate(st, n, strategy.NewRand())
	expected := st.Expected(n)
	sim := Simulation{Draws: n}
	sim.ChiSquare, sim.DF, sim.PValue = strategy.ChiSquare(observed, expected)
	for i, p := range st.Prizes() {
		sim.Outcomes = append(sim.Outcomes, Outcome{
			PrizeID: p.ID, AwardID: p.AwardID, Probability: p.Probability, Expected: expected[i], Observed: observed[i],
		})
	}
	last := st.Len()
	sim.Outcomes = append(sim.Outcomes, Outcome{Probability: st.NoPrize(), Expected: expected[last], Observed: observed[last]})
	return sim, nil
}
