package bench

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReportLastLineSaysWhatWasChecked(t *testing.T) {
	t.Parallel()
	ok := Check{Name: "1 stock: orders ≤ stock", Status: StatusOK}
	cases := map[string]struct {
		r       Report
		last    string
		failure string
	}{
		"nothing checked": {
			r:    Report{Draws: &Phase{Requests: 10, OK: 10}, Invariants: []Check{{Name: "invariants", Status: StatusNotChecked}}},
			last: "invariants not checked: give --sqlite (an embedded server's data_dir/lottery.db) or --mysql-dsn",
		},
		"all checked": {
			r:    Report{Draws: &Phase{Requests: 10, OK: 10}, Invariants: []Check{ok, ok}},
			last: "0 of 2 invariants violated",
		},
		"some left out": {
			r: Report{Invariants: []Check{ok, {Name: "3 grants: every win granted", Status: StatusPending, Detail: "5 wins, none granted within 1m0s"},
				{Name: "4 nothing lost", Status: StatusNotChecked}}},
			last:    "0 of 2 invariants violated, 1 pending (3 grants), 1 not checked (4 nothing lost)",
			failure: "invariant 3 grants: every win granted not reached: 5 wins, none granted within 1m0s",
		},
		"violated": {
			r:       Report{Draws: &Phase{Requests: 10, OK: 10}, Invariants: []Check{ok, {Name: "2 user limits", Status: StatusViolated}}, Violations: 1},
			last:    "1 of 2 invariants violated",
			failure: "1 invariant(s) violated",
		},
		"no draw answered": {
			r: Report{URL: "http://127.0.0.1:1", ActivityID: "7", Draws: &Phase{Requests: 10},
				Errors: map[string]int64{"transport_error": 10}, Invariants: []Check{{Name: "invariants", Status: StatusNotChecked}}},
			last:    "no draw answered: 0 of 10 requests answered 200; invariants not checked: give --sqlite (an embedded server's data_dir/lottery.db) or --mysql-dsn",
			failure: "no draw was answered 200 of 10 requests (errors: transport_error 10): is activity 7 running on the server at http://127.0.0.1:1?",
		},
		"no draw authorised": {
			r:       Report{Draws: &Phase{Requests: 4}, Errors: map[string]int64{"unauthorized": 4}, Invariants: []Check{ok}},
			last:    "no draw answered: 0 of 4 requests answered 200; 0 of 1 invariants violated",
			failure: "no draw was answered 200 of 4 requests (errors: unauthorized 4): is the token key (--secret, LOTTERY_AUTH_SECRET) the server's?",
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			c.r.Print(&out)
			lines := bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n"))
			assert.Equal(t, c.last, string(lines[len(lines)-1]))
			assert.NotContains(t, out.String(), "DESIGN.md")
			if c.failure == "" {
				assert.NoError(t, c.r.Failure())
			} else {
				assert.EqualError(t, c.r.Failure(), c.failure)
			}
		})
	}
}

func TestCheckOnlyReportHeader(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	(&Report{ActivityID: "7", Database: "sqlite data/lottery.db"}).Print(&out)
	assert.Contains(t, out.String(), "Lottery bench — check only: activity 7 in sqlite data/lottery.db, no load sent\n")
	assert.NotContains(t, out.String(), "0 concurrent")
}

// A run held back by the server's per-user rate says which setting lifts it.
func TestRateLimitedDrawsNameTheSetting(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	(&Report{ActivityID: "7", Draws: &Phase{OK: 10, Requests: 30}, Errors: map[string]int64{"rate_limited": 20}}).Print(&out)
	assert.Contains(t, out.String(), "20 draws answered rate_limited")
	assert.Contains(t, out.String(), "LOTTERY_DRAW_RATE_PER_USER=0")

	out.Reset()
	(&Report{ActivityID: "7", Draws: &Phase{OK: 10, Requests: 10}}).Print(&out)
	assert.NotContains(t, out.String(), "rate_limited")
}
