package bench

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/infrastructure/token"
)

func TestRunCountsEveryAnswer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		forgetful bool
		load      Load
	}{
		{"by count", false, Load{Concurrency: 8, Requests: 3000}},
		{"by duration", false, Load{Concurrency: 4, Duration: 700 * time.Millisecond}},
		{"server forgets keys", true, Load{Concurrency: 8, Requests: 1000}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f, srv := newFakeServer(t, c.forgetful)
			r, err := Run(context.Background(), Options{
				URL: srv.URL, ActivityID: 7, Users: 50, Load: c.load, ReplayEvery: 10,
				Timeout: 5 * time.Second, Keys: token.NewKeys(testSecret), Healthz: true,
			})
			require.NoError(t, err)
			assert.Zero(t, f.badAuth, "every token verifies with the server's key")

			d := r.Draws
			if c.load.Requests > 0 {
				assert.Equal(t, c.load.Requests, d.Requests, "every draw was sent and timed once; replays are apart")
				assert.Equal(t, c.load.Requests, r.Healthz.Requests, "healthz gets the same number of requests")
			} else {
				assert.InDelta(t, c.load.Duration.Seconds(), d.Seconds, 0.5)
				assert.InDelta(t, c.load.Duration.Seconds(), r.Healthz.Seconds, 0.5)
			}
			assert.Equal(t, d.Requests, d.OK+r.Errors["activity_sold_out"]+r.Errors["try_again"])
			assert.Equal(t, d.OK, r.Outcomes["win"]+r.Outcomes["lose"])
			assert.Positive(t, r.Errors["activity_sold_out"])
			assert.GreaterOrEqual(t, r.Unknown, r.Errors["try_again"], "503s leave the outcome unknown")
			assert.LessOrEqual(t, r.Unknown, r.Errors["try_again"]+r.Replays.Failed+r.LateReplays.Failed)
			assert.Equal(t, []AwardWins{{AwardID: "1", Name: "Coupon", Wins: r.Outcomes["win"]}}, r.Wins)
			assert.Positive(t, r.Replays.Sent)
			assert.Positive(t, r.LateReplays.Sent, "a sample of the run's keys is repeated once it is over")
			assert.LessOrEqual(t, r.LateReplays.Sent, int64(max(lateReplays, c.load.Concurrency)))
			if c.forgetful {
				assert.Positive(t, r.Replays.Different, "a server that ignores keys is caught")
				assert.Equal(t, r.Replays.Sent, r.Replays.Different+r.Replays.Refused+r.Replays.Failed)
				assert.Positive(t, r.LateReplays.wrong(), "and so it is after the run")
			} else {
				assert.Equal(t, r.Replays.Sent, r.Replays.Same)
				assert.Equal(t, r.LateReplays.Sent, r.LateReplays.Same)
			}
			assert.Positive(t, r.Ratio)
			assert.LessOrEqual(t, d.P50Ms, d.P90Ms)
			assert.LessOrEqual(t, d.P90Ms, d.P99Ms)
			assert.LessOrEqual(t, d.P99Ms, d.MaxMs)
			require.Len(t, r.Invariants, 1)
			assert.Equal(t, StatusNotChecked, r.Invariants[0].Status, "no SQL access says so")
		})
	}
}

func TestRunBacksOffFromADeadServer(t *testing.T) {
	t.Parallel()
	_, srv := newFakeServer(t, false)
	url := srv.URL
	srv.Close()
	r, err := Run(context.Background(), Options{
		URL: url, ActivityID: 7, Users: 5, Load: Load{Concurrency: 4, Duration: 300 * time.Millisecond},
		Timeout: time.Second, Keys: token.NewKeys(testSecret),
	})
	require.NoError(t, err)
	assert.Positive(t, r.Errors["transport_error"])
	assert.Less(t, r.Draws.Requests, int64(4*300/20+8), "each worker waits 20 ms after a failed connection")
	assert.Equal(t, r.Draws.Requests, r.Unknown)
}

func TestOptionsAreValidated(t *testing.T) {
	t.Parallel()
	good := Options{URL: "http://x", ActivityID: 1, Users: 1, Keys: token.NewKeys(testSecret), Load: Load{Concurrency: 1, Requests: 1}}
	cases := map[string]func(*Options){
		"no url":             func(o *Options) { o.URL = "" },
		"no activity":        func(o *Options) { o.ActivityID = 0 },
		"no users":           func(o *Options) { o.Users = 0 },
		"no key":             func(o *Options) { o.Keys = nil },
		"no workers":         func(o *Options) { o.Load.Concurrency = 0 },
		"count and time":     func(o *Options) { o.Load.Duration = time.Second },
		"neither":            func(o *Options) { o.Load.Requests = 0 },
		"wildcard in prefix": func(o *Options) { o.UserPrefix = "a_b" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := good
			mutate(&o)
			_, err := Run(context.Background(), o)
			assert.Error(t, err)
		})
	}
}
