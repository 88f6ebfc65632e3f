package scheduler

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/application/jobs"
)

// A run that found nothing to do is logged at debug level, one that did at info.
func TestEmptyRunsAreLoggedAtDebugLevel(t *testing.T) {
	t.Parallel()
	assert.Equal(t, slog.LevelDebug, runLevel(nil))
	assert.Equal(t, slog.LevelDebug, runLevel(jobs.Report{"settled": 0, "undone": 0}))
	assert.Equal(t, slog.LevelInfo, runLevel(jobs.Report{"settled": 0, "undone": 2}))
	// What a run looked at is not what it did.
	assert.Equal(t, slog.LevelDebug, runLevel(jobs.Report{"activities": 3, "drifting": 0, "repaired": 0, "retired": 0}))
	assert.Equal(t, slog.LevelDebug, runLevel(jobs.Report{"prizes": 2, "released": 0}))
	assert.Equal(t, slog.LevelDebug, runLevel(jobs.Report{"settled": 0, "undone": 0, "waiting": 0, "watching": 40}))
	assert.Equal(t, slog.LevelInfo, runLevel(jobs.Report{"prizes": 2, "released": 5}))
	assert.Equal(t, slog.LevelInfo, runLevel(jobs.Report{"activities": 3, "drifting": 1}))
	assert.Equal(t, slog.LevelDebug, runLevel(jobs.Report{"republished": 0, "failed": 0, "backlog": 2049, "oldest_seconds": 600}),
		"a backlog waiting for its retries is a gauge, not work done")
	assert.Equal(t, slog.LevelInfo, runLevel(jobs.Report{"republished": 3, "failed": 0, "backlog": 2049, "oldest_seconds": 600}))
}
