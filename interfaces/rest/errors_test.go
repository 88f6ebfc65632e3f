package rest

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/application/admin"
)

// Every 503 asks the client to come back, and says when, as a draw's does.
func TestUnavailableAnswersSayWhenToRetry(t *testing.T) {
	t.Parallel()
	api := toAPIError(fmt.Errorf("blacklist u1: %w", admin.ErrNotPropagated))
	assert.Equal(t, http.StatusServiceUnavailable, api.Status)
	assert.Equal(t, "try_again", api.Code)
	assert.Equal(t, "1", api.Header.Get("Retry-After"))
}
