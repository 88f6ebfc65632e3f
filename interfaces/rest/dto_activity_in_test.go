package rest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestActivityTimesAndStocksOutOfRange: a window the stores or the JSON encoding cannot
// keep, or a stock that can never serve a draw, is a 422 naming the field, on POST and
// PUT alike; nothing is written, and the listing and the activity stay readable.
func TestActivityTimesAndStocksOutOfRange(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	awardID := h.award("text", map[string]any{"text": "x"})
	id := h.must(http.StatusCreated, h.do(http.MethodPost, "/api/v1/admin/activities", alice, activityBody(awardID))).body["id"].(string)
	tests := []struct {
		name    string
		edit    map[string]any
		field   string
		message string
	}{
		{"end in year 10000 in UTC", map[string]any{"time_zone": "UTC", "end_at": "9999-12-31T23:59:59-05:00"}, "end_at",
			"end_at must lie in the years 2000 to 9999, both in UTC and in the activity's time zone"},
		{"end in year 10000 in the zone", map[string]any{"end_at": "9999-12-31T23:59:59Z"}, "end_at",
			"end_at must lie in the years 2000 to 9999, both in UTC and in the activity's time zone"},
		{"begin in year 0", map[string]any{"begin_at": "0001-01-01T00:00:00+05:00"}, "begin_at",
			"begin_at must lie in the years 2000 to 9999, both in UTC and in the activity's time zone"},
		{"begin at the zero instant", map[string]any{"begin_at": "0001-01-01T00:00:00Z"}, "begin_at",
			"begin_at must lie in the years 2000 to 9999"},
		{"no activity stock", map[string]any{"stock": 0}, "stock",
			"stock must be at least 1: it is the number of draws the activity can serve"},
		{"no prize stock", map[string]any{"strategy": map[string]any{"mode": "fixed", "prizes": []any{
			map[string]any{"award_id": awardID, "probability": "0.1", "stock": 0}}}}, "strategy.prizes[0].stock",
			"a prize's stock must be at least 1; a prize that can never be won is left out"},
	}
	for _, tt := range tests {
		body := activityBody(awardID)
		for k, v := range tt.edit {
			body[k] = v
		}
		for _, req := range []struct{ method, path string }{
			{http.MethodPost, "/api/v1/admin/activities"}, {http.MethodPut, "/api/v1/admin/activities/" + id},
		} {
			// Not subtests: the harness asserts on the test that made it.
			what := tt.name + " " + req.method
			r := h.do(req.method, req.path, alice, body)
			if !assert.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", what, r.raw) {
				continue
			}
			problems := r.body["error"].(map[string]any)["details"].(map[string]any)["problems"].([]any)
			require.Len(t, problems, 1, "%s: %s", what, r.raw)
			p := problems[0].(map[string]any)
			assert.Equal(t, tt.field, p["field"], what)
			assert.Equal(t, "out_of_range", p["code"], what)
			assert.Equal(t, tt.message, p["message"], what)
		}
	}
	list := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities", alice, nil))
	assert.Len(t, list.body["items"], 1, "nothing was written")
	got := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities/"+id, alice, nil))
	assert.Equal(t, "2026-11-12T00:00:00+08:00", got.body["end_at"], "no update was applied")
	assert.Equal(t, 1.0, got.body["version"])
}
