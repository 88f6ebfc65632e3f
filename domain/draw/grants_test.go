package draw_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/domain/draw"
)

// A grant gives up its wait's length after it began; never when grants never give up, nor
// when the start of its wait is unknown.
func TestGivesUpAt(t *testing.T) {
	won := time.Date(2026, 11, 11, 8, 0, 0, 0, time.UTC)
	assert.Equal(t, won.Add(24*time.Hour), draw.GivesUpAt(won, 24*time.Hour))
	assert.Zero(t, draw.GivesUpAt(won, -1), "grants.give_up_after: off")
	assert.Zero(t, draw.GivesUpAt(won, 0), "not set")
	assert.Zero(t, draw.GivesUpAt(time.Time{}, 24*time.Hour), "unknown start")
}
