package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A repeat of a key answered 200 is right only with the same order, outcome and award;
// a refusal means the server drew again or forgot the draw, while a 5xx, a 429 or no
// answer only asks to try again.
func TestReplayClassification(t *testing.T) {
	t.Parallel()
	first := drawAnswer{OrderID: "9", Outcome: "win", Award: &awardAnswer{ID: "4"}}
	cases := map[string]struct {
		again answer
		want  Replays
	}{
		"same":         {answer{Status: 200, Draw: first}, Replays{Sent: 1, Same: 1}},
		"another":      {answer{Status: 200, Draw: drawAnswer{OrderID: "10", Outcome: "lose"}}, Replays{Sent: 1, Different: 1}},
		"sold out":     {answer{Status: 409, Code: "activity_sold_out"}, Replays{Sent: 1, Refused: 1}},
		"not running":  {answer{Status: 409, Code: "activity_not_running"}, Replays{Sent: 1, Refused: 1}},
		"rate limited": {answer{Status: 429, Code: "rate_limited"}, Replays{Sent: 1, Failed: 1}},
		"try again":    {answer{Status: 503, Code: "try_again"}, Replays{Sent: 1, Failed: 1}},
		"lost":         {answer{Code: "transport_error"}, Replays{Sent: 1, Failed: 1}},
		"now a loss":   {answer{Status: 200, Draw: drawAnswer{OrderID: "9", Outcome: "lose"}}, Replays{Sent: 1, Altered: 1}},
		"other award":  {answer{Status: 200, Draw: drawAnswer{OrderID: "9", Outcome: "win", Award: &awardAnswer{ID: "5"}}}, Replays{Sent: 1, Altered: 1}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tl := newTally()
			tl.replay(&tl.late, "k", first, c.again)
			got := tl.late
			got.Examples = nil
			assert.Equal(t, c.want, got)
			assert.Equal(t, c.want.Different+c.want.Refused+c.want.Altered, got.wrong())
		})
	}
}
