package rest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatsCountCommittedOrders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.activity()
	act := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities/"+id, alice, nil)).body
	prizes := act["strategy"].(map[string]any)["prizes"].([]any)
	p0 := prizes[0].(map[string]any)["id"].(string)

	insert := func(orderID int, outcome string, prize any) {
		require.NoError(t, h.db.Gorm.Exec(`INSERT INTO orders (id, activity_id, strategy_id, user_id, day, outcome,
			prize_id, grant_state, mq_state, created_at, updated_at)
			VALUES (?, ?, 1, 'u1', '2026-11-11', ?, ?, 'pending', 'pending', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
			orderID, id, outcome, prize).Error)
	}
	insert(1, "win", p0)
	insert(2, "win", p0)
	insert(3, "lose", nil)

	r := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities/"+id+"/stats", alice, nil))
	assert.Equal(t, 3.0, r.body["draws"])
	assert.Equal(t, 1000.0, r.body["stock"])
	assert.Equal(t, 997.0, r.body["stock_left"])
	first := r.body["prizes"].([]any)[0].(map[string]any)
	assert.Equal(t, p0, first["prize_id"])
	assert.Equal(t, 2.0, first["wins"])
	assert.Equal(t, 98.0, first["stock_left"])
	second := r.body["prizes"].([]any)[1].(map[string]any)
	assert.Equal(t, 0.0, second["wins"])
	assert.NotContains(t, r.body, "live", "no live counters wired")

	missing := h.must(http.StatusNotFound, h.do(http.MethodGet, "/api/v1/admin/activities/5/stats", alice, nil))
	assert.Equal(t, "not_found", missing.errorCode())
}

func TestSimulate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.activity()
	start := time.Now()
	r := h.must(http.StatusOK, h.do(http.MethodPost, "/api/v1/admin/activities/"+id+"/simulate", alice, map[string]any{"draws": 1_000_000}))
	assert.Less(t, time.Since(start), time.Second, "10⁶ draws take well under a second")
	assert.Equal(t, 1e6, r.body["draws"])
	prizes := r.body["prizes"].([]any)
	require.Len(t, prizes, 2)
	first := prizes[0].(map[string]any)
	assert.Equal(t, "0.01", first["probability"])
	assert.Equal(t, 10_000.0, first["expected"])
	assert.InDelta(t, 0.01, first["observed_rate"], 0.001)
	none := r.body["no_prize"].(map[string]any)
	assert.Equal(t, "0.79", none["probability"])
	assert.NotContains(t, none, "prize_id")
	assert.Equal(t, 2.0, r.body["df"])
	assert.Greater(t, r.body["p_value"], 0.0)
	assert.NotNil(t, r.body["chi_square"])

	stats := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities/"+id+"/stats", alice, nil))
	assert.Equal(t, 0.0, stats.body["draws"], "a simulation leaves no trace")
}

func TestSimulateRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.activity()
	tests := []struct {
		name   string
		path   string
		body   any
		status int
		code   string
	}{
		{"zero draws", id, map[string]any{"draws": 0}, 422, "invalid"},
		{"too many draws", id, map[string]any{"draws": 10_000_001}, 422, "invalid"},
		{"draws as string", id, `{"draws":"10"}`, 400, "malformed"},
		{"unknown activity", "77", map[string]any{"draws": 10}, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := h.do(http.MethodPost, "/api/v1/admin/activities/"+tt.path+"/simulate", alice, tt.body)
			require.Equal(t, tt.status, r.status, "%s", r.raw)
			assert.Equal(t, tt.code, r.errorCode())
		})
	}
}
