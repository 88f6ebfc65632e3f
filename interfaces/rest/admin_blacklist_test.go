package rest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBlacklist(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	path := "/api/v1/admin/blacklist/u-42"

	r := h.must(http.StatusOK, h.do(http.MethodPut, path, bob, map[string]any{"reason": "bot traffic"}))
	assert.Equal(t, "u-42", r.body["user_id"])
	assert.Equal(t, "bot traffic", r.body["reason"])
	created := r.body["created_at"]

	r = h.must(http.StatusOK, h.do(http.MethodPut, path, alice, nil))
	assert.Equal(t, "bot traffic", r.body["reason"], "the body may be left out, which keeps the reason")
	assert.Equal(t, created, r.body["created_at"], "the first listing time stays")
	r = h.must(http.StatusOK, h.do(http.MethodPut, path, alice, map[string]any{}))
	assert.Equal(t, "bot traffic", r.body["reason"], "so may the reason")
	r = h.must(http.StatusOK, h.do(http.MethodPut, path, alice, map[string]any{"reason": ""}))
	assert.Equal(t, "", r.body["reason"], "an empty reason replaces it")
	r = h.must(http.StatusOK, h.do(http.MethodPut, "/api/v1/admin/blacklist/u-43", alice, nil))
	assert.Equal(t, "", r.body["reason"], "a user listed without a reason has none")

	r = h.must(http.StatusOK, h.do(http.MethodGet, path, alice, nil))
	assert.Equal(t, "u-42", r.body["user_id"])

	h.must(http.StatusNoContent, h.do(http.MethodDelete, path, alice, nil))
	h.must(http.StatusNoContent, h.do(http.MethodDelete, path, alice, nil))
	gone := h.must(http.StatusNotFound, h.do(http.MethodGet, path, alice, nil))
	assert.Equal(t, "not_found", gone.errorCode())
}

// A client may escape characters Go would not ("%2B" for "+", "%40" for "@"); the id is
// the same user either way, the one a token's subject names.
func TestBlacklistIDsArePercentDecoded(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.must(http.StatusOK, h.do(http.MethodPut, "/api/v1/admin/blacklist/john.doe%2Bx%40example.com", bob, nil))
	assert.Equal(t, "john.doe+x@example.com", r.body["user_id"])
	r = h.must(http.StatusOK, h.do(http.MethodGet, "/api/v1/admin/blacklist/john.doe+x@example.com", bob, nil))
	assert.Equal(t, "john.doe+x@example.com", r.body["user_id"])
	h.must(http.StatusNoContent, h.do(http.MethodDelete, "/api/v1/admin/blacklist/john.doe%2Bx%40example.com", bob, nil))
	h.must(http.StatusNotFound, h.do(http.MethodGet, "/api/v1/admin/blacklist/john.doe+x@example.com", bob, nil))
}

func TestBlacklistRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name, path string
		body       any
		status     int
		code       string
	}{
		{"brace in user id", "/api/v1/admin/blacklist/a%7Bb%7D", nil, 422, "invalid"},
		{"unknown field", "/api/v1/admin/blacklist/u1", `{"why":"x"}`, 400, "malformed"},
		{"reason as number", "/api/v1/admin/blacklist/u1", `{"reason":5}`, 400, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := h.do(http.MethodPut, tt.path, alice, tt.body)
			assert.Equal(t, tt.status, r.status, "%s", r.raw)
			assert.Equal(t, tt.code, r.errorCode())
		})
	}
	// An id no token can carry gets the same answer from every verb.
	for _, m := range []string{http.MethodPut, http.MethodGet, http.MethodDelete} {
		r := h.do(m, "/api/v1/admin/blacklist/a%20b", alice, nil)
		assert.Equal(t, http.StatusUnprocessableEntity, r.status, "%s %s", m, r.raw)
		assert.Equal(t, map[string]string{"user_id": "invalid"}, problemFields(r), m)
	}
}
