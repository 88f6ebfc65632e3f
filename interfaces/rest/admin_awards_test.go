package rest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAwardLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	created := h.must(http.StatusCreated, h.do(http.MethodPost, "/api/v1/admin/awards", alice,
		map[string]any{"name": "$5 coupon", "kind": "coupon", "content": map[string]any{"webhook_url": "https://shop.example/coupons", "template_id": "T5"}}))
	id := created.body["id"].(string)
	assert.Equal(t, "/api/v1/admin/awards/"+id, created.header.Get("Location"))
	assert.Equal(t, "coupon", created.body["kind"])

	got := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/awards/"+id, bob, nil))
	assert.Equal(t, created.body, got.body)

	updated := h.must(http.StatusOK, h.do(http.MethodPut, "/api/v1/admin/awards/"+id, alice,
		map[string]any{"name": "$6 coupon", "content": map[string]any{"webhook_url": "https://shop.example/c", "template_id": "T6"}}))
	assert.Equal(t, "$6 coupon", updated.body["name"])
	assert.Equal(t, "T6", updated.body["content"].(map[string]any)["template_id"])

	renamed := h.must(http.StatusOK, h.do(http.MethodPut, "/api/v1/admin/awards/"+id, alice, map[string]any{"name": "$6 voucher"}))
	assert.Equal(t, "$6 voucher", renamed.body["name"])
	assert.Equal(t, updated.body["content"], renamed.body["content"], "content left out stays as stored")
	got = h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/awards/"+id, bob, nil))
	assert.Equal(t, renamed.body, got.body)
}

func TestAwardListPages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var ids []string
	for range 3 {
		ids = append(ids, h.award("points", map[string]any{"points": 100}))
	}
	first := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/awards?limit=2", alice, nil))
	items := first.body["items"].([]any)
	require.Len(t, items, 2)
	assert.Equal(t, ids[0], items[0].(map[string]any)["id"])
	cursor := first.body["next_cursor"].(string)
	require.NotEmpty(t, cursor)

	second := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/awards?limit=2&cursor="+cursor, alice, nil))
	items = second.body["items"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, ids[2], items[0].(map[string]any)["id"])
	assert.NotContains(t, second.body, "next_cursor", "no cursor on the last page")
}

func TestAwardBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	text := h.award("text", map[string]any{"text": "hello"})
	tests := []struct {
		name, method, path string
		body               any
		status             int
		code               string
		fields             []string
	}{
		{"unknown field", http.MethodPost, "/api/v1/admin/awards", `{"name":"a","kind":"text","colour":"red"}`, 400, "malformed", nil},
		{"null for the object", http.MethodPost, "/api/v1/admin/awards", ` null `, 400, "malformed", nil},
		{"wrong type", http.MethodPost, "/api/v1/admin/awards", `{"name":"a","kind":"points","content":{"points":"100"}}`, 400, "malformed", nil},
		{"broken JSON", http.MethodPost, "/api/v1/admin/awards", `{"name":`, 400, "malformed", nil},
		{"trailing data", http.MethodPost, "/api/v1/admin/awards", `{"name":"a","kind":"text","content":{"text":"x"}} {}`, 400, "malformed", nil},
		{"empty body", http.MethodPost, "/api/v1/admin/awards", "", 400, "malformed", nil},
		{"not UTF-8", http.MethodPost, "/api/v1/admin/awards", "{\"name\":\"\xff\xfe\",\"kind\":\"text\",\"content\":{\"text\":\"x\"}}", 400, "malformed", nil},
		{"every problem", http.MethodPost, "/api/v1/admin/awards",
			map[string]any{"name": "", "kind": "coupon", "content": map[string]any{"webhook_url": "ftp://x", "sku": "S1"}},
			422, "invalid", []string{"name", "content.webhook_url", "content.template_id", "content.sku"}},
		{"unknown kind", http.MethodPost, "/api/v1/admin/awards", map[string]any{"name": "a", "kind": "cash"}, 422, "invalid", []string{"kind"}},
		{"kind cannot change", http.MethodPut, "/api/v1/admin/awards/" + text,
			map[string]any{"name": "a", "kind": "points", "content": map[string]any{"text": "x"}}, 422, "invalid", []string{"kind"}},
		{"unknown id", http.MethodGet, "/api/v1/admin/awards/42", nil, 404, "not_found", nil},
		{"id not a number", http.MethodGet, "/api/v1/admin/awards/abc", nil, 404, "not_found", nil},
		{"update unknown id", http.MethodPut, "/api/v1/admin/awards/42", map[string]any{"name": "a", "content": map[string]any{"text": "x"}}, 404, "not_found", nil},
		{"limit zero", http.MethodGet, "/api/v1/admin/awards?limit=0", nil, 400, "malformed", nil},
		{"forged cursor", http.MethodGet, "/api/v1/admin/awards?cursor=bm9wZQ", nil, 400, "malformed", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := h.do(tt.method, tt.path, alice, tt.body)
			require.Equal(t, tt.status, r.status, "%s", r.raw)
			assert.Equal(t, tt.code, r.errorCode())
			fields := problemFields(r)
			for _, f := range tt.fields {
				assert.Contains(t, fields, f)
			}
			assert.Len(t, fields, len(tt.fields))
		})
	}
}

func TestRedeemCodeUpload(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.award("redeem_code", map[string]any{})
	path := "/api/v1/admin/awards/" + id + "/codes"

	r := h.must(http.StatusOK, h.do(http.MethodPost, path, alice, map[string]any{"codes": []string{"A1", "B2", "A1", " C3 "}}))
	assert.Equal(t, map[string]any{"added": 3.0, "duplicates": 1.0, "in_other_awards": 0.0}, r.body, "in-upload duplicate counted")

	r = h.must(http.StatusOK, h.do(http.MethodPost, path, alice, "\ufeffCode\r\nA1\r\n\r\nD4\n\"E,5\"\n", "text/csv"))
	assert.Equal(t, map[string]any{"added": 2.0, "duplicates": 1.0, "in_other_awards": 0.0}, r.body, "header skipped; stored duplicate counted; quoted field unquoted")

	r = h.must(http.StatusOK, h.do(http.MethodPost, path, alice, "G7\ncode\n", "text/csv"))
	assert.Equal(t, map[string]any{"added": 2.0, "duplicates": 0.0, "in_other_awards": 0.0}, r.body, "only a first line is a header")

	r = h.must(http.StatusOK, h.do(http.MethodPost, path, alice, "F6\nD4\n", "text/plain; charset=utf-8"))
	assert.Equal(t, map[string]any{"added": 1.0, "duplicates": 1.0, "in_other_awards": 0.0}, r.body)
}

func TestRedeemCodeUploadRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	codes := "/api/v1/admin/awards/" + h.award("redeem_code", map[string]any{}) + "/codes"
	text := "/api/v1/admin/awards/" + h.award("text", map[string]any{"text": "hi"}) + "/codes"
	tests := []struct {
		name, path  string
		body        any
		contentType string
		status      int
		code        string
	}{
		{"not a redeem_code award", text, map[string]any{"codes": []string{"A"}}, "application/json", 409, "wrong_award_kind"},
		{"empty code", codes, map[string]any{"codes": []string{"A", " "}}, "application/json", 422, "invalid"},
		{"no codes", codes, map[string]any{"codes": []string{}}, "application/json", 422, "invalid"},
		{"two fields on a line", codes, "A,B\n", "text/csv", 400, "malformed"},
		{"other media type", codes, "A", "application/xml", 415, "unsupported_media_type"},
		{"unknown award", "/api/v1/admin/awards/99/codes", map[string]any{"codes": []string{"A"}}, "application/json", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := h.do(http.MethodPost, tt.path, alice, tt.body, tt.contentType)
			require.Equal(t, tt.status, r.status, "%s", r.raw)
			assert.Equal(t, tt.code, r.errorCode())
		})
	}
	r := h.do(http.MethodPost, codes, alice, map[string]any{"codes": []string{"A", " "}})
	assert.Equal(t, map[string]string{"codes[1]": "required"}, problemFields(r))
}

// A marketer does not change an award given by an activity that has been submitted:
// grants deliver it as it is, after the reviewer approved what it was. An admin may; a
// draft's or a rejected one's award anybody may.
func TestAwardOfASubmittedActivityDoesNotChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	awardID := h.award("points", map[string]any{"points": 10})
	body := activityBody(awardID)
	body["begin_at"], body["end_at"] = "2030-11-11T00:00:00+08:00", "2030-11-12T00:00:00+08:00"
	act := h.must(http.StatusCreated, h.do(http.MethodPost, "/api/v1/admin/activities", alice, body)).body["id"].(string)
	edit := func(points int) reply {
		return h.do(http.MethodPut, "/api/v1/admin/awards/"+awardID, alice,
			map[string]any{"name": "Points", "content": map[string]any{"points": points}})
	}
	h.must(http.StatusOK, edit(20))
	h.must(http.StatusOK, h.transition(act, alice, "submit", ""))
	r := h.must(http.StatusConflict, edit(1_000_000_000))
	assert.Equal(t, "award_in_use", r.errorCode())
	assert.Contains(t, r.body["error"].(map[string]any)["message"], act)
	assert.Equal(t, map[string]any{"activity_ids": []any{act}}, r.errorDetails())
	got := h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/awards/"+awardID, bob, nil))
	assert.EqualValues(t, 20, got.body["content"].(map[string]any)["points"], "unchanged")

	// An admin, who reviews, may: to repair a merchant's webhook, say.
	h.must(http.StatusOK, h.do(http.MethodPut, "/api/v1/admin/awards/"+awardID, bob,
		map[string]any{"name": "Points", "content": map[string]any{"points": 25}}))

	h.must(http.StatusOK, h.transition(act, bob, "reject", "odds too generous"))
	h.must(http.StatusOK, edit(30))
}

// The documented maximum upload of codes fits its route's limit, though it is far over
// the body limit of the other routes.
func TestCodeUploadOfTheDocumentedMaximum(t *testing.T) {
	t.Parallel()
	h := newHarness(t) // body limit 64 KiB
	awardID := h.award("redeem_code", map[string]any{})
	var b strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&b, "CODE-%059d\n", i) // 64 characters, the longest a code may be
	}
	r := h.must(http.StatusOK, h.do(http.MethodPost, "/api/v1/admin/awards/"+awardID+"/codes", alice, b.String(), "text/csv"))
	assert.EqualValues(t, 100_000, r.body["added"])
	r = h.do(http.MethodPost, "/api/v1/admin/awards", alice, `{"name":"`+strings.Repeat("x", 70<<10)+`"}`, "application/json")
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.status, "other routes keep theirs")
}

// A code another award holds is skipped and counted: it would be handed out twice.
func TestCodesHeldByAnotherAwardAreSkipped(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first, second := h.award("redeem_code", map[string]any{}), h.award("redeem_code", map[string]any{})
	h.must(http.StatusOK, h.do(http.MethodPost, "/api/v1/admin/awards/"+first+"/codes", alice, "A1\nA2\n", "text/csv"))
	r := h.must(http.StatusOK, h.do(http.MethodPost, "/api/v1/admin/awards/"+second+"/codes", alice, "A2\nB1\nB1\n", "text/csv"))
	assert.Equal(t, map[string]any{"added": 1.0, "duplicates": 1.0, "in_other_awards": 1.0}, r.body)
	r = h.must(http.StatusOK, h.do(http.MethodPost, "/api/v1/admin/awards/"+second+"/codes", alice, `{"codes":["A1"]}`, "application/json"))
	assert.Equal(t, map[string]any{"added": 0.0, "duplicates": 0.0, "in_other_awards": 1.0}, r.body)
}
