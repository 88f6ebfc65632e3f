package rest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// One failed request a second per route and code is logged, saying how many alike were not.
func TestFailuresAreLoggedOnceASecondPerKind(t *testing.T) {
	t.Parallel()
	l := &logLimiter{last: map[string]logSlot{}}
	t0 := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	_, ok := l.allow("POST /api/v1/draws try_again", t0)
	assert.True(t, ok)
	for i := range 5 {
		_, ok = l.allow("POST /api/v1/draws try_again", t0.Add(time.Duration(i)*100*time.Millisecond))
		assert.False(t, ok)
	}
	_, ok = l.allow("GET /readyz not_ready", t0)
	assert.True(t, ok, "another kind has its own second")
	dropped, ok := l.allow("POST /api/v1/draws try_again", t0.Add(time.Second))
	assert.True(t, ok)
	assert.Equal(t, 5, dropped)
}
