package messaging_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/infrastructure/messaging"
)

// A grant waits from its win, or from the time a failed grant was sent again.
func TestAGrantWaitsSinceItsWinOrItsLastSending(t *testing.T) {
	t.Parallel()
	won := time.Date(2026, 11, 11, 8, 0, 0, 0, time.UTC)
	assert.Equal(t, won, messaging.GrantEvent{CreatedAt: won}.WaitingSince())
	again := won.Add(30 * time.Hour)
	assert.Equal(t, again, messaging.GrantEvent{CreatedAt: won, ReopenedAt: again}.WaitingSince())
}
