package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/strategy"
	"github.com/lottery-go/lottery/infrastructure/token"
)

// adminCall is one request the fake admin API saw: who, what, with which body.
type adminCall struct {
	sub, route string
	body       map[string]any
}

// fakeAdmin records the admin API calls and answers like API.md; refuse makes the
// activity creation fail with a 422 as a server would; scheduled starts the activity as
// soon as it is approved, as a server's scheduler does once its window has begun.
func fakeAdmin(t *testing.T, refuse, scheduled bool) (*httptest.Server, func() []adminCall) {
	t.Helper()
	keys := token.NewKeys(testSecret)
	var mu sync.Mutex
	var calls []adminCall
	state := "draft"
	record := func(r *http.Request, route string) {
		cl, err := keys.Verify(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		require.NoError(t, err)
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, adminCall{sub: cl.Subject + "/" + strings.Join(cl.Roles, ","), route: route, body: body})
		if route == "transition" {
			state = map[string]string{"submit": "pending_review", "approve": "approved", "start": "running"}[body["action"].(string)]
			if scheduled && state == "approved" {
				state = "running"
			}
		}
	}
	mux := http.NewServeMux()
	awards := 0
	mux.HandleFunc("POST /api/v1/admin/awards", func(w http.ResponseWriter, r *http.Request) {
		record(r, "award")
		awards++
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":"%d"}`, 100+awards)
	})
	mux.HandleFunc("POST /api/v1/admin/activities", func(w http.ResponseWriter, r *http.Request) {
		record(r, "activity")
		if refuse {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = w.Write([]byte(`{"error":{"code":"invalid","message":"stock must be positive"}}`))
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"77"}`))
	})
	mux.HandleFunc("POST /api/v1/admin/activities/77/transitions", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		running := state == "running"
		mu.Unlock()
		record(r, "transition")
		if running {
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"error":{"code":"illegal_transition","message":"start activity 77: illegal transition"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"77"}`))
	})
	show := func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, `{"id":"77","state":%q}`, state)
	}
	mux.HandleFunc("GET /api/v1/activities/77", show)
	mux.HandleFunc("GET /api/v1/admin/activities/77", show)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, func() []adminCall {
		mu.Lock()
		defer mu.Unlock()
		return append([]adminCall(nil), calls...)
	}
}

func TestSetUpSeparatesDuties(t *testing.T) {
	t.Parallel()
	srv, calls := fakeAdmin(t, false, false)
	id, err := SetUp(context.Background(), SetupOptions{URL: srv.URL, Keys: token.NewKeys(testSecret), Draws: 200_000, Users: 1000})
	require.NoError(t, err)
	assert.Equal(t, int64(77), id)

	var who []string
	for _, c := range calls() {
		step := c.route
		if c.route == "transition" {
			step = c.body["action"].(string)
		}
		who = append(who, step+" by "+c.sub)
	}
	m, a := SetupMarketer+"/marketer", SetupAdmin+"/admin"
	assert.Equal(t, []string{"award by " + m, "award by " + m, "award by " + m, "activity by " + m,
		"submit by " + m, "approve by " + a, "start by " + a}, who, "nobody approves what they created")

	act := calls()[3].body
	prizes := act["strategy"].(map[string]any)["prizes"].([]any)
	require.Len(t, prizes, 3)
	var probs []string
	quotas := 0
	for _, p := range prizes {
		pm := p.(map[string]any)
		probs = append(probs, pm["probability"].(string))
		if _, ok := pm["daily_quota"]; ok {
			quotas++
		}
		assert.Positive(t, pm["stock"])
	}
	assert.Equal(t, []string{"0.01", "0.05", "0.2"}, probs, "probabilities are decimal strings")
	assert.Equal(t, 1, quotas, "one prize has a daily quota")
	assert.Equal(t, "101", prizes[0].(map[string]any)["award_id"])
	assert.Equal(t, "fixed", act["strategy"].(map[string]any)["mode"], "fixed unless asked")
}

func TestSetUpMakesTheModeAsked(t *testing.T) {
	t.Parallel()
	srv, calls := fakeAdmin(t, false, false)
	_, err := SetUp(context.Background(), SetupOptions{URL: srv.URL, Keys: token.NewKeys(testSecret), Draws: 1000, Users: 10, Mode: strategy.ModeRenormalize})
	require.NoError(t, err)
	act := calls()[3]
	require.Equal(t, "activity", act.route)
	assert.Equal(t, "renormalize", act.body["strategy"].(map[string]any)["mode"])
}

// With mixed awards the grand prize is physical and the 20 % prize points; by default
// every prize is text.
func TestSetUpMakesTheAwardsAsked(t *testing.T) {
	t.Parallel()
	kinds := func(awards string) []string {
		srv, calls := fakeAdmin(t, false, false)
		_, err := SetUp(context.Background(), SetupOptions{URL: srv.URL, Keys: token.NewKeys(testSecret), Draws: 1000, Users: 10, Awards: awards})
		require.NoError(t, err)
		var out []string
		for _, c := range calls() {
			if c.route == "award" {
				out = append(out, fmt.Sprint(c.body["name"], ": ", c.body["kind"], " ", c.body["content"]))
			}
		}
		return out
	}
	assert.Equal(t, []string{"Grand prize: text map[text:You won: Grand prize]", "$5 coupon: text map[text:You won: $5 coupon]",
		"100 points: text map[text:You won: 100 points]"}, kinds(""))
	assert.Equal(t, []string{"Grand prize: physical map[sku:BENCH-GRAND]", "$5 coupon: text map[text:You won: $5 coupon]",
		"100 points: points map[points:100]"}, kinds(AwardsMixed))
}

func TestSetUpAcceptsAStartByTheSchedule(t *testing.T) {
	t.Parallel()
	srv, calls := fakeAdmin(t, false, true)
	id, err := SetUp(context.Background(), SetupOptions{URL: srv.URL, Keys: token.NewKeys(testSecret), Draws: 1000, Users: 10})
	require.NoError(t, err, "the server's scheduler started the activity first")
	assert.Equal(t, int64(77), id)
	last := calls()[len(calls())-1]
	assert.Equal(t, "start", last.body["action"], "the start was asked for and refused")
}

func TestSetUpReportsWhatTheServerRefused(t *testing.T) {
	t.Parallel()
	srv, _ := fakeAdmin(t, true, false)
	_, err := SetUp(context.Background(), SetupOptions{URL: srv.URL, Keys: token.NewKeys(testSecret), Draws: 1000, Users: 10})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "422")
	assert.Contains(t, err.Error(), "stock must be positive")
}

func TestPlansSizeTheActivity(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		tight bool
	}{{"loose", false}, {"tight", true}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			const draws, users = 100_000, 1000
			stock, total, daily, prizes := SetupOptions{Draws: draws, Users: users, Tight: c.tight}.plan()
			perUser := int64(draws / users)
			if c.tight {
				assert.Less(t, stock, int64(draws), "the activity sells out")
				assert.LessOrEqual(t, total, 2*perUser, "users reach their limit")
				assert.Less(t, prizes[0].stock, int64(0.01*draws), "the grand prize runs out")
				assert.Less(t, prizes[1].dailyQuota, int64(0.05*draws), "the daily quota binds")
				return
			}
			assert.Greater(t, stock, int64(draws))
			assert.Greater(t, daily, 5*perUser)
			assert.Greater(t, total, 5*perUser)
			for _, p := range prizes {
				assert.Greater(t, p.stock, int64(2*p.probability*draws), "%s outlasts the run", p.name)
			}
		})
	}
}
