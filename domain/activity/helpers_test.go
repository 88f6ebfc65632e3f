package activity_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/strategy"
)

var (
	shanghai, _ = time.LoadLocation("Asia/Shanghai")
	begin       = time.Date(2026, 11, 11, 0, 0, 0, 0, shanghai)
	end         = begin.Add(24 * time.Hour)
	created     = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
)

func newStrategy(t *testing.T, prizes ...strategy.Prize) *strategy.Strategy {
	t.Helper()
	if len(prizes) == 0 {
		prizes = []strategy.Prize{{AwardID: 1, Probability: 10_000, Stock: 100}}
	}
	s, err := strategy.New(strategy.ModeFixed, prizes)
	require.NoError(t, err)
	return s
}

func validParams(t *testing.T) activity.Params {
	return activity.Params{
		Name:     "Double 11 wheel",
		BeginAt:  begin,
		EndAt:    end,
		TimeZone: "Asia/Shanghai",
		Stock:    100_000,
		Limits:   activity.Limits{PerUserTotal: 5, PerUserDaily: 1},
		Strategy: newStrategy(t),
	}
}

// inState loads an activity in the given state created by "alice".
func inState(t *testing.T, s activity.State) *activity.Activity {
	return activity.UnmarshalFromDatabase(7, validParams(t), s, "alice", "", created, created, 3)
}

func fieldCodes(err error) []string {
	var out []string
	for _, p := range check.Problems(err) {
		out = append(out, p.Field+" "+p.Code)
	}
	return out
}
