package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOddsVerdicts(t *testing.T) {
	t.Parallel()
	f := facts{prizes: []prizeFacts{
		{id: 11, awardID: 101, ppm: 10_000, stock: 100_000, released: -1},
		{id: 12, awardID: 102, ppm: 200_000, stock: 100_000, dailyQuota: 50_000, released: -1},
	}}
	cases := []struct {
		name  string
		draws int64
		wins  map[string]int64
		total map[int64]int64
		want  Status
	}{
		{"as configured", 100_000, map[string]int64{"101": 1010, "102": 19950}, nil, StatusOK},
		{"twice the odds", 100_000, map[string]int64{"101": 2000, "102": 20000}, nil, StatusViolated},
		{"a prize ran out", 100_000, map[string]int64{"101": 2000, "102": 20000}, map[int64]int64{11: 100_000}, StatusNotChecked},
		{"too few draws", 500, map[string]int64{"101": 5, "102": 100}, nil, StatusNotChecked},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			total := c.total
			if total == nil {
				total = map[int64]int64{11: c.wins["101"], 12: c.wins["102"]}
			}
			o := odds(f, c.draws, c.wins, map[string]string{"101": "Grand"}, total, map[int64]int64{})
			assert.Equal(t, c.want, o.check().Status, o.check().Detail)
			assert.Len(t, o.Prizes, 3, "two awards and no prize")
			assert.Equal(t, "Grand", o.Prizes[0].Name)
			assert.InDelta(t, 0.79, o.Prizes[2].Probability, 1e-9)
			assert.Equal(t, c.draws-c.wins["101"]-c.wins["102"], o.Prizes[2].Observed)
		})
	}
}
