package rest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Probes that check with HEAD get the status of GET and no body.
func TestHealthAnswersHead(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.do(http.MethodHead, "/healthz", who{}, nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, http.StatusOK, h.do(http.MethodGet, "/healthz", who{}, nil).status)
	assert.Equal(t, http.StatusMethodNotAllowed, h.do(http.MethodPost, "/healthz", who{}, nil).status)
}

// The API's answers hold personal data: no cache may store them, no browser sniff them,
// no Referer carry their URLs. The probes keep their plain answers.
func TestAPIAnswersAreNotStored(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, r := range []reply{
		h.do(http.MethodGet, "/api/v1/admin/activities", alice, nil),
		h.do(http.MethodGet, "/api/v1/admin/activities", who{}, nil), // errors too
	} {
		assert.Equal(t, "no-store", r.header.Get("Cache-Control"), "%d", r.status)
		assert.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
		assert.Equal(t, "no-referrer", r.header.Get("Referrer-Policy"))
	}
	assert.Empty(t, h.do(http.MethodGet, "/healthz", who{}, nil).header.Get("Cache-Control"))
}
