package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/application/jobs"
	"github.com/lottery-go/lottery/infrastructure/config"
	"github.com/lottery-go/lottery/infrastructure/persistence"
)

// Admission recovery never undoes an entry whose order may still commit: it waits past
// the order's commit deadline and one commit attempt begun just before it.
func TestRecoveryWaitsPastTheLastPossibleCommit(t *testing.T) {
	assert.Equal(t, jobs.DefaultRecoverAfter, recoverAfter(config.Default().Draw))
	for _, grace := range []time.Duration{2 * time.Second, 40 * time.Second, 10 * time.Minute} {
		d := config.Draw{ReloadGrace: grace}
		assert.Greater(t, recoverAfter(d), commitWithin(d)+commitAttempt(d), "reload grace %v", grace)
		assert.LessOrEqual(t, commitWithin(d)+commitAttempt(d), d.ReloadGrace*3/4, "rows written well before a rebuild, grace %v", grace)
		assert.LessOrEqual(t, commitAttempt(d), persistence.CommitTimeout)
	}
}
