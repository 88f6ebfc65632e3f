package rest_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/admin"
)

func TestActivityCreateAndGet(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	awardID := h.award("text", map[string]any{"text": "well done"})
	created := h.must(http.StatusCreated, h.do(http.MethodPost, "/api/v1/admin/activities", alice, activityBody(awardID)))
	b := created.body
	id := b["id"].(string)
	assert.Equal(t, "/api/v1/admin/activities/"+id, created.header.Get("Location"))
	assert.Equal(t, "draft", b["state"])
	assert.Equal(t, "alice", b["created_by"])
	assert.Equal(t, 1.0, b["version"])
	assert.Equal(t, "2026-11-11T00:00:00+08:00", b["begin_at"], "shown in the activity's zone")
	assert.Equal(t, map[string]any{"per_user_total": 5.0, "per_user_daily": 1.0}, b["limits"])
	assert.Equal(t, []any{}, b["transitions"])
	prizes := b["strategy"].(map[string]any)["prizes"].([]any)
	require.Len(t, prizes, 2)
	first := prizes[0].(map[string]any)
	assert.NotEmpty(t, first["id"])
	assert.Equal(t, "0.01", first["probability"])
	assert.Equal(t, awardID, first["award_id"])
	assert.Equal(t, map[string]any{"plan": "even"}, first["release"])

	got := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities/"+id, bob, nil))
	assert.Equal(t, b, got.body, "what was created is what is stored")
}

func TestActivityStrategyModeIsFixedWhenLeftOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := activityBody(h.award("text", map[string]any{"text": "x"}))
	delete(body["strategy"].(map[string]any), "mode")
	created := h.must(http.StatusCreated, h.do(http.MethodPost, "/api/v1/admin/activities", alice, body))
	assert.Equal(t, "fixed", created.body["strategy"].(map[string]any)["mode"])
}

func TestActivityValidationListsEveryProblem(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	awardID := h.award("text", map[string]any{"text": "x"})
	body := activityBody(awardID)
	body["name"] = ""
	body["end_at"] = "2026-11-10T00:00:00+08:00"
	body["time_zone"] = "Mars/Olympus"
	body["stock"] = -1
	body["limits"] = map[string]any{"per_user_total": 0}
	body["strategy"] = map[string]any{"mode": "fixed", "prizes": []any{
		map[string]any{"award_id": "777", "probability": "0.6", "stock": 1},
		map[string]any{"award_id": awardID, "probability": "0.0000001", "stock": 1},
		map[string]any{"award_id": "x1", "probability": "0.5", "stock": -2},
	}}
	r := h.must(http.StatusUnprocessableEntity, h.do(http.MethodPost, "/api/v1/admin/activities", alice, body))
	assert.Equal(t, "invalid", r.errorCode())
	assert.Equal(t, map[string]string{
		"name":                           "required",
		"end_at":                         "out_of_range",
		"time_zone":                      "invalid_time_zone",
		"stock":                          "out_of_range",
		"limits.per_user_total":          "out_of_range",
		"strategy.prizes[0].award_id":    "unknown",
		"strategy.prizes[1].probability": "too_precise",
		"strategy.prizes[2].award_id":    "invalid",
		"strategy.prizes[2].stock":       "out_of_range",
	}, problemFields(r))
}

func TestActivityProbabilitiesSumAboveOne(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	awardID := h.award("text", map[string]any{"text": "x"})
	body := activityBody(awardID)
	body["strategy"] = map[string]any{"mode": "renormalize", "prizes": []any{
		map[string]any{"award_id": awardID, "probability": "0.6", "stock": 1},
		map[string]any{"award_id": awardID, "probability": "0.400001", "stock": 1},
	}}
	r := h.must(http.StatusUnprocessableEntity, h.do(http.MethodPost, "/api/v1/admin/activities", alice, body))
	assert.Equal(t, map[string]string{"strategy.prizes": "sum_exceeds_one"}, problemFields(r))
}

func TestActivityMalformedBodies(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	big := `{"name":"` + strings.Repeat("x", 70<<10) + `"}`
	tests := []struct {
		name, body string
		status     int
		code       string
		message    string
	}{
		{"unknown field", `{"name":"a","strategy":{"mode":"fixed","prizes":[{"award_id":"1"},{"award_id":"1","odds":"0.1"}]}}`, 400, "malformed",
			`unknown field "odds" at strategy.prizes[1]`},
		{"unknown top-level field", `{"name":"a","colour":"red"}`, 400, "malformed", `unknown field "colour" at the top level`},
		{"number as string", `{"name":"a","stock":"100"}`, 400, "malformed", "stock must be an integer, not JSON string"},
		{"probability as number", `{"strategy":{"mode":"fixed","prizes":[{"probability":"0.1"},{"probability":0.1}]}}`, 400, "malformed",
			"strategy.prizes[1].probability must be a string, not JSON number"},
		{"syntax", `{"name":"a",}`, 400, "malformed", "byte"},
		{"over the body limit", big, 413, "body_too_large", ""},
		{"name in another case", `{"NAME":"a"}`, 400, "malformed", `"NAME" at the top level; field names are case-sensitive: "name"`},
		{"nested name in another case", `{"name":"a","strategy":{"mode":"fixed","prizes":[{"Award_ID":"1"}]}}`, 400, "malformed", `"Award_ID" at strategy.prizes[0]`},
		{"name repeated", `{"name":"a","limits":{"per_user_total":1,"per_user_total":9}}`, 400, "malformed", `"per_user_total" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := h.do(http.MethodPost, "/api/v1/admin/activities", alice, tt.body)
			require.Equal(t, tt.status, r.status, "%s", r.raw)
			assert.Equal(t, tt.code, r.errorCode())
			assert.Contains(t, r.body["error"].(map[string]any)["message"], tt.message)
		})
	}
}

// TestBodyLimitWhileReading sends a body without a length, so the limit trips while the
// JSON decoder reads it rather than up front.
func TestBodyLimitWhileReading(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tok, err := h.keys.Mint("alice", []string{"marketer"}, nil, 3600e9)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, "/api/v1/admin/activities",
		strings.NewReader(`{"name":"`+strings.Repeat("x", 70<<10)+`"}`))
	require.NoError(t, err)
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+tok)
	r := h.send(req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.status)
	assert.Equal(t, "body_too_large", r.errorCode())
}

func TestActivityListFiltersAndPages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a, b, c := h.activity(), h.activity(), h.activity()
	h.must(http.StatusOK, h.transition(b, alice, "submit", ""))

	page := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities?state=draft&limit=1", bob, nil))
	items := page.body["items"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, a, items[0].(map[string]any)["id"])
	assert.NotContains(t, items[0], "transitions", "lists leave the trail out")
	next := page.body["next_cursor"].(string)
	page = h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities?state=draft&limit=1&cursor="+next, bob, nil))
	items = page.body["items"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, c, items[0].(map[string]any)["id"])

	pending := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities?state=pending_review", bob, nil))
	assert.Len(t, pending.body["items"], 1)
	all := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities", bob, nil))
	assert.Len(t, all.body["items"], 3)

	bad := h.do(http.MethodGet, "/api/v1/admin/activities?state=sleeping", bob, nil)
	assert.Equal(t, http.StatusBadRequest, bad.status)
	assert.Equal(t, "malformed", bad.errorCode())
}

func TestActivityUpdate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.activity()
	awardID := h.award("points", map[string]any{"points": 5})
	body := activityBody(awardID)
	body["name"] = "Renamed"
	r := h.must(http.StatusOK, h.do(http.MethodPut, "/api/v1/admin/activities/"+id, alice, body))
	assert.Equal(t, "Renamed", r.body["name"])
	assert.Equal(t, 2.0, r.body["version"])
	prize := r.body["strategy"].(map[string]any)["prizes"].([]any)[0].(map[string]any)
	assert.Equal(t, awardID, prize["award_id"])

	body["stock"] = -5
	bad := h.must(http.StatusUnprocessableEntity, h.do(http.MethodPut, "/api/v1/admin/activities/"+id, alice, body))
	assert.Equal(t, map[string]string{"stock": "out_of_range"}, problemFields(bad))

	h.must(http.StatusOK, h.transition(id, alice, "submit", ""))
	body["stock"] = 5
	locked := h.must(http.StatusConflict, h.do(http.MethodPut, "/api/v1/admin/activities/"+id, alice, body))
	assert.Equal(t, "activity_not_editable", locked.errorCode())
	assert.Equal(t, map[string]any{"state": "pending_review", "allowed_actions": []any{"approve", "reject", "revoke"}},
		locked.errorDetails(), "the state, and how to make it editable (revoke)")

	missing := h.must(http.StatusNotFound, h.do(http.MethodPut, "/api/v1/admin/activities/12345", alice, body))
	assert.Equal(t, "not_found", missing.errorCode())
}

// While no ids can be made (the id lease lapsed), creating anything answers 503 with
// Retry-After, and nothing is saved.
func TestCreatesWithoutIDsAnswer503(t *testing.T) {
	t.Parallel()
	lapsed := true
	var live func() (int64, error)
	h := newHarness(t, func(d *admin.Deps) {
		live = d.IDs
		d.IDs = func() (int64, error) {
			if lapsed {
				return 0, errors.New("snowflake node lease lapsed")
			}
			return live()
		}
	})
	r := h.do(http.MethodPost, "/api/v1/admin/awards", alice, map[string]any{"name": "text", "kind": "text", "content": map[string]any{"text": "hi"}})
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "try_again", r.body["error"].(map[string]any)["code"])
	assert.NotEmpty(t, r.header.Get("Retry-After"))

	lapsed = false
	awardID := h.award("text", map[string]any{"text": "well done"})
	activityID := h.activity()
	lapsed = true
	tree := h.do(http.MethodPost, "/api/v1/admin/rule-trees", alice, routerDoc(activityID))
	assert.Equal(t, http.StatusServiceUnavailable, tree.status)
	r = h.do(http.MethodPost, "/api/v1/admin/activities", alice, activityBody(awardID))
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	list := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities", alice, nil))
	assert.Len(t, list.body["items"], 1, "nothing saved")
}
