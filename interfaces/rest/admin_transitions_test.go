package rest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/application/admin"
)

func TestReviewFlowRecordsTheTrail(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.activity()
	h.must(http.StatusOK, h.transition(id, alice, "submit", "ready for review"))
	h.must(http.StatusOK, h.transition(id, bob, "reject", "odds too generous"))
	h.must(http.StatusOK, h.transition(id, alice, "revoke", ""))
	h.must(http.StatusOK, h.transition(id, alice, "submit", "fixed"))
	r := h.must(http.StatusOK, h.transition(id, bob, "approve", "ok"))
	assert.Equal(t, "approved", r.body["state"])
	assert.Equal(t, 6.0, r.body["version"])

	trail := r.body["transitions"].([]any)
	require.Len(t, trail, 5)
	second := trail[1].(map[string]any)
	assert.Equal(t, "reject", second["action"])
	assert.Equal(t, "pending_review", second["from"])
	assert.Equal(t, "rejected", second["to"])
	assert.Equal(t, "bob", second["actor"])
	assert.Equal(t, "odds too generous", second["reason"])
	assert.NotEmpty(t, second["at"])

	got := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities/"+id, alice, nil))
	assert.Len(t, got.body["transitions"], 5)
}

func TestTransitionRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	pending := h.activity()
	h.must(http.StatusOK, h.transition(pending, alice, "submit", ""))

	// carol, an admin, creates and submits her own activity.
	awardID := h.award("text", map[string]any{"text": "x"})
	own := h.must(http.StatusCreated, h.do(http.MethodPost, "/api/v1/admin/activities", carol, activityBody(awardID))).body["id"].(string)
	h.must(http.StatusOK, h.transition(own, carol, "submit", ""))
	draft := h.activity()

	// A refused action is 403 forbidden with details.scope "action" (the token may use the
	// route, unlike the role check's "route") and details.reason saying why.
	role := map[string]any{"scope": "action", "reason": "role", "roles": []any{"admin"}}
	duties := map[string]any{"scope": "action", "reason": "separation_of_duties"}
	tests := []struct {
		name, id string
		as       who
		action   string
		reason   string
		status   int
		code     string
		details  map[string]any
	}{
		{"marketer approves", pending, alice, "approve", "", 403, "forbidden", role},
		{"marketer rejects", pending, alice, "reject", "no", 403, "forbidden", role},
		{"admin approves own activity", own, carol, "approve", "", 403, "forbidden", duties},
		{"admin rejects own activity", own, carol, "reject", "no", 403, "forbidden", duties},
		{"illegal move", draft, alice, "start", "", 409, "illegal_transition",
			map[string]any{"state": "draft", "action": "start", "allowed_actions": []any{"submit"}}},
		{"unknown action", draft, alice, "launch", "", 422, "invalid", nil},
		{"reject without reason", pending, bob, "reject", "", 422, "invalid", nil},
		{"unknown activity", "424242", alice, "submit", "", 404, "not_found", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := h.transition(tt.id, tt.as, tt.action, tt.reason)
			require.Equal(t, tt.status, r.status, "%s", r.raw)
			assert.Equal(t, tt.code, r.errorCode())
			if tt.details != nil {
				assert.Equal(t, tt.details, r.errorDetails())
			}
		})
	}
	// The separation of duties is said in so many words, for a person to read.
	r := h.must(http.StatusForbidden, h.transition(own, carol, "approve", ""))
	msg, _ := r.body["error"].(map[string]any)["message"].(string)
	assert.Contains(t, msg, "another admin must approve or reject this activity, because you created it")
	malformed := h.do(http.MethodPost, "/api/v1/admin/activities/"+draft+"/transitions", alice, `{"action":"submit","why":"x"}`)
	assert.Equal(t, http.StatusBadRequest, malformed.status)
}

func TestTransitionsThroughTheRunningLife(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.activity()
	steps := []struct {
		as            who
		action, state string
	}{
		{alice, "submit", "pending_review"}, {bob, "approve", "approved"}, {alice, "start", "running"},
		{alice, "pause", "paused"}, {bob, "resume", "running"}, {bob, "close", "closed"},
	}
	for _, s := range steps {
		r := h.must(http.StatusOK, h.transition(id, s.as, s.action, ""))
		assert.Equal(t, s.state, r.body["state"], s.action)
	}
	again := h.must(http.StatusConflict, h.transition(id, bob, "close", ""))
	assert.Equal(t, "illegal_transition", again.errorCode())
	assert.Equal(t, map[string]any{"state": "closed", "action": "close", "allowed_actions": []any{}}, again.errorDetails())
}

// A redeem-code prize needs as many free codes as units of stock before the activity goes
// to review, is approved or started: otherwise wins would be announced and then fail.
func TestRedeemCodePrizesNeedTheirCodes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	codes := h.award("redeem_code", map[string]any{})
	body := activityBody(codes)
	body["strategy"] = map[string]any{"mode": "fixed", "prizes": []any{
		map[string]any{"award_id": codes, "probability": "0.1", "stock": 3}}}
	id := h.must(http.StatusCreated, h.do(http.MethodPost, "/api/v1/admin/activities", alice, body)).body["id"].(string)

	h.must(http.StatusOK, h.do(http.MethodPost, "/api/v1/admin/awards/"+codes+"/codes", alice,
		map[string]any{"codes": []string{"C-1", "C-2"}}))
	r := h.must(http.StatusUnprocessableEntity, h.transition(id, alice, "submit", ""))
	assert.Equal(t, map[string]string{"strategy.prizes[0].stock": "not_enough_codes"}, problemFields(r))
	assert.Contains(t, string(r.raw), "has 2 redeem codes left for 3 units of prize stock")
	assert.Equal(t, "draft", h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities/"+id, alice, nil)).body["state"])
	// Who acts and from which state come first: a marketer approving hears 403, an approve
	// of a draft 409, whatever the codes.
	assert.Equal(t, http.StatusForbidden, h.transition(id, alice, "approve", "").status)
	assert.Equal(t, http.StatusConflict, h.transition(id, bob, "approve", "").status)

	h.must(http.StatusOK, h.do(http.MethodPost, "/api/v1/admin/awards/"+codes+"/codes", alice,
		map[string]any{"codes": []string{"C-3"}}))
	h.must(http.StatusOK, h.transition(id, alice, "submit", ""))

	// Two prizes giving one award need its codes together: 2 + 2 units, 3 codes left.
	body["strategy"] = map[string]any{"mode": "fixed", "prizes": []any{
		map[string]any{"award_id": codes, "probability": "0.1", "stock": 2},
		map[string]any{"award_id": codes, "probability": "0.1", "stock": 2}}}
	two := h.must(http.StatusCreated, h.do(http.MethodPost, "/api/v1/admin/activities", alice, body)).body["id"].(string)
	r = h.must(http.StatusUnprocessableEntity, h.transition(two, alice, "submit", ""))
	// The three codes are the first activity's, submitted: two activities sharing a pool
	// would announce more wins than it has codes.
	assert.Contains(t, string(r.raw), "has 3 redeem codes left, 3 of them promised to other activities' prizes, for 4 units of prize stock")

	h.must(http.StatusOK, h.do(http.MethodPost, "/api/v1/admin/awards/"+codes+"/codes", alice,
		map[string]any{"codes": []string{"C-4", "C-5", "C-6"}}))
	r = h.must(http.StatusUnprocessableEntity, h.transition(two, alice, "submit", ""))
	assert.Contains(t, string(r.raw), "has 6 redeem codes left, 3 of them promised to other activities' prizes, for 4 units")
	h.must(http.StatusOK, h.do(http.MethodPost, "/api/v1/admin/awards/"+codes+"/codes", alice,
		map[string]any{"codes": []string{"C-7"}}))
	h.must(http.StatusOK, h.transition(two, alice, "submit", ""))
	// Both submitted: approving either counts the other's stock, so two approvals at once
	// cannot both take the same codes.
	h.must(http.StatusOK, h.transition(id, bob, "approve", ""))
	h.must(http.StatusOK, h.transition(two, bob, "approve", ""))
}

// Where coupons cannot be granted (no webhook secret), an activity giving one does not go
// to review: every coupon win would be announced and then fail.
func TestCouponPrizesNeedADeploymentThatGrantsThem(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(d *admin.Deps) { d.NoCoupons = "no webhook secret is configured" })
	coupon := h.award("coupon", map[string]any{"webhook_url": "https://shop.example/coupons", "template_id": "T5"})
	body := activityBody(coupon)
	body["strategy"] = map[string]any{"mode": "fixed", "prizes": []any{
		map[string]any{"award_id": coupon, "probability": "0.1", "stock": 3}}}
	id := h.must(http.StatusCreated, h.do(http.MethodPost, "/api/v1/admin/activities", alice, body)).body["id"].(string)

	r := h.must(http.StatusUnprocessableEntity, h.transition(id, alice, "submit", ""))
	assert.Equal(t, map[string]string{"strategy.prizes[0].award_id": "coupons_unavailable"}, problemFields(r))
	assert.Contains(t, string(r.raw), "which this deployment cannot grant: no webhook secret is configured")
	assert.Equal(t, "draft", h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities/"+id, alice, nil)).body["state"])
}

// An admin approves what they read: a version named that is no longer the activity's is
// 409 concurrent_change with the current one, and nothing moves. So is an edit made on an
// old version, which would otherwise overwrite the edit made since.
func TestActionsOnAVersionChangedSinceAreRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.activity()
	seen := h.must(http.StatusOK, h.transition(id, alice, "submit", "")).body["version"].(float64)

	// The marketer takes it back, edits it and submits it again while the admin reads.
	h.must(http.StatusOK, h.transition(id, alice, "revoke", ""))
	edited := activityBody(h.award("text", map[string]any{"text": "x"}))
	edited["name"] = "changed meanwhile"
	h.must(http.StatusOK, h.do(http.MethodPut, "/api/v1/admin/activities/"+id, alice, edited))
	now := h.must(http.StatusOK, h.transition(id, alice, "submit", "")).body["version"].(float64)

	r := h.must(http.StatusConflict, h.do(http.MethodPost, "/api/v1/admin/activities/"+id+"/transitions", bob,
		map[string]any{"action": "approve", "version": seen}))
	assert.Equal(t, "concurrent_change", r.errorCode())
	assert.Equal(t, map[string]any{"version": now}, r.errorDetails())
	got := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities/"+id, bob, nil))
	assert.Equal(t, "pending_review", got.body["state"], "not approved")

	approved := h.must(http.StatusOK, h.do(http.MethodPost, "/api/v1/admin/activities/"+id+"/transitions", bob,
		map[string]any{"action": "approve", "version": now}))
	assert.Equal(t, "approved", approved.body["state"])

	draft := h.activity()
	v := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities/"+draft, alice, nil)).body["version"].(float64)
	edited["version"] = v
	h.must(http.StatusOK, h.do(http.MethodPut, "/api/v1/admin/activities/"+draft, alice, edited))
	edited["name"] = "an edit of the old version"
	r = h.must(http.StatusConflict, h.do(http.MethodPut, "/api/v1/admin/activities/"+draft, alice, edited))
	assert.Equal(t, map[string]any{"version": v + 1}, r.errorDetails())
	got = h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/activities/"+draft, alice, nil))
	assert.Equal(t, "changed meanwhile", got.body["name"], "the later edit stands")

	edited["version"] = -1
	r = h.must(http.StatusUnprocessableEntity, h.do(http.MethodPut, "/api/v1/admin/activities/"+draft, alice, edited))
	assert.Equal(t, map[string]string{"version": "out_of_range"}, problemFields(r))
	r = h.must(http.StatusUnprocessableEntity, h.do(http.MethodPost, "/api/v1/admin/activities/"+draft+"/transitions", alice,
		map[string]any{"action": "submit", "version": -1}))
	assert.Equal(t, map[string]string{"version": "out_of_range"}, problemFields(r))
}
