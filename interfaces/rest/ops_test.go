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
